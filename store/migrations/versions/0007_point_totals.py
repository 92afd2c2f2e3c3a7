"""point totals

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:00:00.000000

Each candidate's points kept beside their marks (`point_totals`), with the revision they were made at
(`mark_revisions.totals_revision`): a rescore trusts them only while that equals the revision. The
revision now also moves on at every write to a question (its weight counts in the points), and, on
PostgreSQL, at every write after totals were stamped in the same transaction (the once-per-transaction
bump of 0006 would otherwise leave a stamp made before the write looking current). An index on marks
by question, for a rescore's read of one question's marks.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SQLITE_BUMP = (
    "INSERT INTO mark_revisions (occasion_id, revision) VALUES ({row}.occasion_id, 1) "
    "ON CONFLICT (occasion_id) DO UPDATE SET revision = revision + 1;"
)

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER questions_revision_insert AFTER INSERT ON questions BEGIN {SQLITE_BUMP.format(row='NEW')} END",
    f"CREATE TRIGGER questions_revision_delete AFTER DELETE ON questions BEGIN {SQLITE_BUMP.format(row='OLD')} END",
    f"CREATE TRIGGER questions_revision_update AFTER UPDATE ON questions BEGIN {SQLITE_BUMP.format(row='NEW')} "
    "INSERT INTO mark_revisions (occasion_id, revision) SELECT OLD.occasion_id, 1 "
    "WHERE OLD.occasion_id IS NOT NEW.occasion_id "
    "ON CONFLICT (occasion_id) DO UPDATE SET revision = revision + 1; END",
]

# 0006's bump, once per transaction, and again whenever the totals were stamped at the revision now
# held (so a write after the stamp, in the same transaction, leaves the totals behind).
POSTGRES_BUMP = (
    "INSERT INTO mark_revisions (occasion_id, revision) VALUES ({row}.occasion_id, 1) "
    "ON CONFLICT (occasion_id) DO UPDATE SET revision = mark_revisions.revision + 1 "
    "WHERE mark_revisions.xmin <> pg_current_xact_id()::xid "
    "OR mark_revisions.totals_revision = mark_revisions.revision;"
)
POSTGRES_BUMP_0006 = (
    "INSERT INTO mark_revisions (occasion_id, revision) VALUES ({row}.occasion_id, 1) "
    "ON CONFLICT (occasion_id) DO UPDATE SET revision = mark_revisions.revision + 1 "
    "WHERE mark_revisions.xmin <> pg_current_xact_id()::xid;"
)


def postgres_functions(bump: str, bump_all_when: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION marks_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        {bump.format(row="NEW")}
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.occasion_id IS DISTINCT FROM NEW.occasion_id) THEN
        {bump.format(row="OLD")}
    END IF;
    RETURN NULL;
END
$$""",
        f"""CREATE OR REPLACE FUNCTION marks_revision_bump_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mark_revisions SET revision = revision + 1 WHERE {bump_all_when};
    RETURN NULL;
END
$$""",
    ]


POSTGRES_TRIGGERS = [
    "CREATE TRIGGER questions_revision AFTER INSERT OR UPDATE OR DELETE ON questions "
    "FOR EACH ROW EXECUTE FUNCTION marks_revision_bump()",
    "CREATE TRIGGER questions_revision_truncate AFTER TRUNCATE ON questions "
    "FOR EACH STATEMENT EXECUTE FUNCTION marks_revision_bump_all()",
]


def upgrade() -> None:
    op.add_column('mark_revisions', sa.Column('totals_revision', sa.BigInteger(), nullable=True, comment='the revision at which point_totals were last made equal to the marks'))
    op.create_table('point_totals',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], ),
    sa.PrimaryKeyConstraint('registration_id')
    )
    op.create_index(op.f('ix_point_totals_occasion_id'), 'point_totals', ['occasion_id'], unique=False)
    op.create_index('ix_marks_question', 'marks', ['occasion_id', 'question_id', 'registration_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        when = "xmin <> pg_current_xact_id()::xid OR totals_revision = revision"
        for statement in postgres_functions(POSTGRES_BUMP, when) + POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER questions_revision ON questions")
        op.execute("DROP TRIGGER questions_revision_truncate ON questions")
        for statement in postgres_functions(POSTGRES_BUMP_0006, "xmin <> pg_current_xact_id()::xid"):
            op.execute(statement)
    else:
        for event in ('insert', 'update', 'delete'):
            op.execute(f"DROP TRIGGER questions_revision_{event}")
    op.drop_index('ix_marks_question', table_name='marks')
    op.drop_index(op.f('ix_point_totals_occasion_id'), table_name='point_totals')
    op.drop_table('point_totals')
    op.execute('ALTER TABLE mark_revisions DROP COLUMN totals_revision')  # SQLite too, since 3.35
