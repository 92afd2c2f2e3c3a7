"""accommodation decisions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:30:00.000000

Swedish decisions on support at exams, from the support office through a coordinator's file or
form (the register holds none); the registration sync joins those valid on an exam's day.
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accommodation_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_uid', sa.String(length=255), nullable=False, comment="the register's student uid"),
    sa.Column('granted', sa.Boolean(), nullable=False, comment='granted, or refused (kept, never joined)'),
    sa.Column('extra_time_minutes', sa.Integer(), nullable=False),
    sa.Column('separate_room', sa.Boolean(), nullable=False),
    sa.Column('equipment', sa.String(length=500), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False, comment="the imported file's name, or 'form'"),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_accommodation_decisions_student', 'accommodation_decisions', ['student_uid'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_accommodation_decisions_student', table_name='accommodation_decisions')
    op.drop_table('accommodation_decisions')
