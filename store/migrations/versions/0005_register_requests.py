"""register requests

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 18:40:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('register_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False, comment="the register's id of the request"),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='justification or appeal'),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('flow_run_id', sa.String(length=36), nullable=True, comment='the justification or appeal run started for it; empty until started'),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('occasion_id', 'request_id'),
    sa.UniqueConstraint('registration_id', 'kind')
    )


def downgrade() -> None:
    op.drop_table('register_requests')
