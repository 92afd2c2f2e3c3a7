"""mark revisions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00.000000

A revision per occasion, moved on by the database itself on every insert, update or delete of a
mark (and, on PostgreSQL, on a TRUNCATE of marks), whoever writes it: our store functions or raw SQL.
Row-level triggers on both: one upsert of the occasion's revision per mark written (on PostgreSQL
only the first of a transaction writes, see POSTGRES_BUMP).
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

SQLITE_BUMP = (
    "INSERT INTO mark_revisions (occasion_id, revision) VALUES ({row}.occasion_id, 1) "
    "ON CONFLICT (occasion_id) DO UPDATE SET revision = revision + 1;"
)

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER marks_revision_insert AFTER INSERT ON marks BEGIN {SQLITE_BUMP.format(row='NEW')} END",
    f"CREATE TRIGGER marks_revision_delete AFTER DELETE ON marks BEGIN {SQLITE_BUMP.format(row='OLD')} END",
    # A mark moved to another occasion moves both occasions' revisions on.
    f"CREATE TRIGGER marks_revision_update AFTER UPDATE ON marks BEGIN {SQLITE_BUMP.format(row='NEW')} "
    "INSERT INTO mark_revisions (occasion_id, revision) SELECT OLD.occasion_id, 1 "
    "WHERE OLD.occasion_id IS NOT NEW.occasion_id "
    "ON CONFLICT (occasion_id) DO UPDATE SET revision = revision + 1; END",
]

# Once per transaction: a row updated again by the transaction that wrote it leaves one more version
# behind that the next update must step over (its own are never pruned), so a counter bumped for each
# of a bulk import's 120,000 marks would cost time quadratic in the marks. Any other transaction sees
# the revision before or after this one, never in between.
POSTGRES_BUMP = (
    "INSERT INTO mark_revisions (occasion_id, revision) VALUES ({row}.occasion_id, 1) "
    "ON CONFLICT (occasion_id) DO UPDATE SET revision = mark_revisions.revision + 1 "
    "WHERE mark_revisions.xmin <> pg_current_xact_id()::xid;"
)

# Row-level, as on SQLite: the store's bulk upserts reach PostgreSQL as one statement per row
# (psycopg's pipelined executemany), and a statement-level trigger over transition tables measured
# dearer per statement (about 60 us) than this one per row (about 25 us). TRUNCATE has no rows:
# every occasion's revision moves on.
POSTGRES_FUNCTIONS = [
    f"""CREATE FUNCTION marks_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        {POSTGRES_BUMP.format(row="NEW")}
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.occasion_id IS DISTINCT FROM NEW.occasion_id) THEN
        {POSTGRES_BUMP.format(row="OLD")}
    END IF;
    RETURN NULL;
END
$$""",
    """CREATE FUNCTION marks_revision_bump_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mark_revisions SET revision = revision + 1 WHERE xmin <> pg_current_xact_id()::xid;
    RETURN NULL;
END
$$""",
]

POSTGRES_TRIGGERS = [
    "CREATE TRIGGER marks_revision AFTER INSERT OR UPDATE OR DELETE ON marks "
    "FOR EACH ROW EXECUTE FUNCTION marks_revision_bump()",
    "CREATE TRIGGER marks_revision_truncate AFTER TRUNCATE ON marks "
    "FOR EACH STATEMENT EXECUTE FUNCTION marks_revision_bump_all()",
]


def upgrade() -> None:
    op.create_table('mark_revisions',
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('revision', sa.BigInteger(), nullable=False, comment='moved on by triggers on marks at every write'),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('occasion_id')
    )
    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRES_FUNCTIONS + POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION marks_revision_bump(), marks_revision_bump_all() CASCADE")  # and the triggers
    else:
        for event in ('insert', 'update', 'delete'):
            op.execute(f"DROP TRIGGER marks_revision_{event}")
    op.drop_table('mark_revisions')
