"""approval guards

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:40:00.000000

Approvals that cannot be replayed or forgotten: each approval keeps its title and link (for the codes
mailed again), how to start its run again, its expiry (backfilled from its codes), when a reminder
went out and how many answers without a valid code it took since its codes were issued. Each answer
keeps whose valid code it spent, and an accepted answer its fields without the code, so that a run
replayed after suspension reads the answer from our store and not from Prefect's run input (which
examflow deletes once it has judged it).
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('approvals') as batch:
        batch.add_column(sa.Column('title', sa.String(length=500), server_default='', nullable=False))
        batch.add_column(sa.Column('ui_url', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('restart', sa.Text(), server_default='', nullable=False, comment='how to start the run again, should it expire'))
        batch.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True, comment='empty only on approvals opened before 0009'))
        batch.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('wrong_answers', sa.Integer(), server_default='0', nullable=False, comment='answers without a valid code since the codes were issued'))
    op.execute(
        "UPDATE approvals SET expires_at = (SELECT max(c.expires_at) FROM approval_codes c "
        "WHERE c.approval_id = approvals.id)"
    )
    with op.batch_alter_table('approval_answers') as batch:
        batch.add_column(sa.Column('code_holder', sa.String(length=255), nullable=True, comment='whose valid code the answer carried, spent by it'))
        batch.add_column(sa.Column('content', sa.JSON(), nullable=True, comment="an accepted answer's fields, its code left out"))


def downgrade() -> None:
    with op.batch_alter_table('approval_answers') as batch:
        batch.drop_column('content')
        batch.drop_column('code_holder')
    with op.batch_alter_table('approvals') as batch:
        for column in ('wrong_answers', 'reminded_at', 'expires_at', 'restart', 'ui_url', 'title'):
            batch.drop_column(column)
