"""exam day events

Revision ID: 0017_exam_day_events
Revises: 0014_fs_register
Create Date: 2026-12-03 15:30:00.000000

What happened to a candidate on exam day as staff entered it: incidents (the minutes given back as
extra time on the platform) and scanned sketches attached to a submission.
"""

from alembic import op
import sqlalchemy as sa


revision = '0017_exam_day_events'
down_revision = '0014_fs_register'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exam_day_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='incident or sketch'),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False, comment="an incident's minutes given back"),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True, comment="a sketch's file"),
    sa.Column('attachment_id', sa.String(length=64), nullable=True, comment="a sketch's id on the platform"),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('occasion_id', 'kind', 'key')
    )


def downgrade() -> None:
    op.drop_table('exam_day_events')
