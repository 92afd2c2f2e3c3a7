"""grader claims

Revision ID: 0015_grader_claims
Revises: 0010
Create Date: 2026-12-03 12:37:52.122020

Graders' claims for pay: a timesheet per grader and exam with its lines (hours on a candidate, a
question set, an appeal or a justification), approved by the institute's administrator, exported to
the HR system's import file and marked paid by HR. Hours in hundredths, money in cents.
"""

from alembic import op
import sqlalchemy as sa


revision = '0015_grader_claims'
down_revision = '0011_exam_policy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('grader_timesheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False, comment="the submitting run's id: a replay submits nothing new"),
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('staff_id', sa.String(length=255), nullable=False),
    sa.Column('hr_system', sa.String(length=16), nullable=False, comment='paga (Norway) or primula (Sweden)'),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rate_cents', sa.Integer(), nullable=False, comment='the hourly rate at submission, in cents'),
    sa.Column('hundredths', sa.Integer(), nullable=False, comment='the hours claimed, in hundredths'),
    sa.Column('top_up_hundredths', sa.Integer(), nullable=False, comment='hours added to reach the minimum fee'),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False, comment='submitted, approved, rejected, exported, paid or returned'),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True, comment='the administrator who decided'),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('export_file', sa.String(length=500), nullable=True),
    sa.Column('export_sha256', sa.String(length=64), nullable=True),
    sa.Column('exported_at', sa.DateTime(), nullable=True),
    sa.Column('settled_by', sa.String(length=64), nullable=True, comment="HR's person who marked it paid or returned"),
    sa.Column('settled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index('ix_grader_timesheets_occasion', 'grader_timesheets', ['occasion_id', 'staff_id'], unique=False)

    op.create_table('grader_claim_lines',
    sa.Column('timesheet_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='candidate, question_set, appeal or justification'),
    sa.Column('reference', sa.String(length=32), nullable=False, comment='an anonymisation code, or question numbers'),
    sa.Column('worked_on', sa.Date(), nullable=False),
    sa.Column('hundredths', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['timesheet_id'], ['grader_timesheets.id'], ),
    sa.PrimaryKeyConstraint('timesheet_id', 'number')
    )


def downgrade() -> None:
    op.drop_table('grader_claim_lines')
    op.drop_index('ix_grader_timesheets_occasion', table_name='grader_timesheets')
    op.drop_table('grader_timesheets')
