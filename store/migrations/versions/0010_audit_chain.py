"""audit chain

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:00:00.000000

The audit log becomes a hash chain (store/audit_chain.py): each event's place in the chain (`seq`),
the hash of the event before it, the digest of its detail and its own hash; the events already held
are chained in id order. On PostgreSQL the table refuses UPDATE, DELETE and TRUNCATE (a trigger
raising an exception); the table's owner can still disable it, which the chain and its anchor
outside the database then show.
"""

from datetime import UTC

from alembic import op
import sqlalchemy as sa

from store import audit_chain


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

POSTGRES_FUNCTION = """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % of audit_log refused', TG_OP;
END
$$"""

POSTGRES_TRIGGERS = [
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]

HELD = sa.table(
    'audit_log',
    sa.column('id', sa.Integer()),
    sa.column('at', sa.DateTime()),
    sa.column('actor', sa.String()),
    sa.column('action', sa.String()),
    sa.column('occasion_id', sa.String()),
    sa.column('detail', sa.JSON()),
    sa.column('seq', sa.BigInteger()),
    sa.column('prev_hash', sa.String()),
    sa.column('detail_digest', sa.String()),
    sa.column('hash', sa.String()),
)


def chain_held_events() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(HELD.c.id, HELD.c.at, HELD.c.actor, HELD.c.action, HELD.c.occasion_id, HELD.c.detail)
        .order_by(HELD.c.id)
    ).all()
    prev_hash = audit_chain.GENESIS
    for seq, (id_, at, actor, action, occasion_id, detail) in enumerate(rows, start=1):
        detail_digest = audit_chain.digest(audit_chain.canonical(detail))
        own = audit_chain.event_hash(
            seq, at.replace(tzinfo=UTC), actor, action, occasion_id, detail_digest, prev_hash
        )
        connection.execute(
            HELD.update().where(HELD.c.id == id_).values(
                seq=seq, prev_hash=prev_hash, detail_digest=detail_digest, hash=own
            )
        )
        prev_hash = own


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True, comment='place in the hash chain: 1, 2, 3, ...'))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('detail_digest', sa.String(length=64), nullable=True, comment="SHA-256 of the detail's canonical JSON"))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    chain_held_events()
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        for name in ('seq', 'prev_hash', 'detail_digest', 'hash'):
            batch_op.alter_column(name, nullable=False)
        batch_op.create_index('ix_audit_log_seq', ['seq'], unique=True)
    if op.get_bind().dialect.name == 'postgresql':
        for statement in [POSTGRES_FUNCTION, *POSTGRES_TRIGGERS]:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION audit_log_append_only() CASCADE")  # and the triggers
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_seq')
        for name in ('hash', 'detail_digest', 'prev_hash', 'seq'):
            batch_op.drop_column(name)
