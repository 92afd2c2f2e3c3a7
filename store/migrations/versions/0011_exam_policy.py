"""exam policy

Revision ID: 0011_exam_policy
Revises: 0010
Create Date: 2026-12-03 12:26:11.471884

The exam policy checked per exam: the form each exam is planned in, the dispensations asked and
decided, the extra distance sittings the policy requires; the course responsibles' applications for
a digital exam and the digital share recorded per term.
"""

from alembic import op
import sqlalchemy as sa


revision = '0011_exam_policy'
down_revision = '0012_rooms_seating'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('digital_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=8), nullable=False, comment='e.g. HT2026'),
    sa.Column('sittings', sa.Integer(), nullable=False),
    sa.Column('digital_sittings', sa.Integer(), nullable=False),
    sa.Column('registrations', sa.Integer(), nullable=False),
    sa.Column('digital_registrations', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('digital_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occasion_id', sa.String(length=255), nullable=False, comment="the register's occasion uid (planned or not)"),
    sa.Column('applicant_id', sa.String(length=255), nullable=False),
    sa.Column('form', sa.String(length=32), nullable=False),
    sa.Column('students', sa.Integer(), nullable=False, comment='the students the applicant expects at the sitting'),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False, comment='pending, approved or rejected'),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('comment', sa.String(length=2000), nullable=True),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_digital_applications_occasion', 'digital_applications', ['occasion_id'], unique=False)
    op.create_table('dispensations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('form', sa.String(length=32), nullable=False),
    sa.Column('scenario', sa.String(length=32), nullable=False, comment="the scenario in force on the exam's day"),
    sa.Column('answers', sa.JSON(), nullable=False, comment="the criteria answered and the evidence's reference"),
    sa.Column('presented_by', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False, comment='granted or refused'),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('comment', sa.String(length=2000), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_dispensations_occasion', 'dispensations', ['occasion_id'], unique=False)
    op.create_table('exam_forms',
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('form', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.PrimaryKeyConstraint('occasion_id')
    )
    op.create_table('extra_sittings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('form', sa.String(length=32), nullable=False, comment='the form of the extra sitting'),
    sa.Column('scenario', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('planned_by', sa.String(length=64), nullable=False, comment='the flow that planned it'),
    sa.Column('planned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('occasion_id', 'scenario')
    )


def downgrade() -> None:
    op.drop_table('extra_sittings')
    op.drop_table('exam_forms')
    op.drop_index('ix_dispensations_occasion', table_name='dispensations')
    op.drop_table('dispensations')
    op.drop_index('ix_digital_applications_occasion', table_name='digital_applications')
    op.drop_table('digital_applications')
    op.drop_table('digital_shares')
