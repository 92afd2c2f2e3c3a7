"""retention

Revision ID: 0021_retention
Revises: 0017_exam_day_events
Create Date: 2026-12-03 15:30:00.000000

Legal holds on an exam (a complaint, a case the coordinator marks), what the retention run purged
of each exam per kind of data, the exam a student's mail is about, and when an audit event's
detail was reduced by retention. On PostgreSQL the audit log still refuses DELETE and TRUNCATE and
every UPDATE except one that sets `purged_at` and changes the detail alone: the chain hashes the
detail's digest, which stays.
"""

from alembic import op
import sqlalchemy as sa


revision = '0021_retention'
down_revision = '0017_exam_day_events'
branch_labels = None
depends_on = None

APPEND_ONLY_BUT_PURGE = """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.purged_at IS NOT NULL
        AND NEW.id = OLD.id AND NEW.seq = OLD.seq AND NEW.at = OLD.at AND NEW.actor = OLD.actor
        AND NEW.action = OLD.action AND NEW.occasion_id IS NOT DISTINCT FROM OLD.occasion_id
        AND NEW.prev_hash = OLD.prev_hash AND NEW.detail_digest = OLD.detail_digest
        AND NEW.hash = OLD.hash THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % of audit_log refused', TG_OP;
END
$$"""

APPEND_ONLY = """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % of audit_log refused', TG_OP;
END
$$"""


def upgrade() -> None:
    op.create_table('legal_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='complaint or case'),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('placed_by', sa.String(length=64), nullable=False),
    sa.Column('placed_at', sa.DateTime(), nullable=False),
    sa.Column('lifted_by', sa.String(length=64), nullable=True),
    sa.Column('lifted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_legal_holds_occasion', 'legal_holds', ['occasion_id'], unique=False)
    op.create_table('retention_purges',
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='the kind of data (settings: retention)'),
    sa.Column('purged_at', sa.DateTime(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False, comment='what was purged, counted; never the data'),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.PrimaryKeyConstraint('occasion_id', 'kind')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occasion_id', sa.String(length=255), nullable=True, comment="the exam a student's mail is about"))
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(), nullable=True, comment='when retention reduced its detail; its digest is kept'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY_BUT_PURGE)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('occasion_id')
    op.drop_table('retention_purges')
    op.drop_index('ix_legal_holds_occasion', table_name='legal_holds')
    op.drop_table('legal_holds')
