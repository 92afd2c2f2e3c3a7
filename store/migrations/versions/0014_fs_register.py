"""register cursors

Revision ID: 0014_fs_register
Revises: 0010
Create Date: 2026-12-03 13:00:00.000000

How far examflow has read each register's events (FS's `studenthendelser`), one row per register.
"""

from alembic import op
import sqlalchemy as sa


revision = '0014_fs_register'
down_revision = '0013_exam_secrets'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('register_cursors',
    sa.Column('register', sa.String(length=32), nullable=False, comment='whose events: a country'),
    sa.Column('cursor', sa.String(length=512), nullable=False, comment="the register's own, opaque"),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('register')
    )


def downgrade() -> None:
    op.drop_table('register_cursors')
