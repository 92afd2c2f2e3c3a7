"""exam secrets and anonymisation codes by term

Revision ID: 0013_exam_secrets
Revises: 0010
Create Date: 2026-12-03 13:00:00.000000

`exam_secrets`: each exam's security settings for the platform, its passwords encrypted
(store/exam_secrets.py). `anonymisation_codes`: every code given, under its term, prefix and number,
unique per (term, prefix, number), so a code is never given twice in a term across exams. The codes
already held are recorded from the registrations, in registration order; where two exams of one term
already share a number under one prefix (given before this check), the later is left out of the
table, keeping its code on its registration (a code once given is kept) and no new code takes the
number, new numbers following the highest.
"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

from models.codes import code_parts, term_of


revision = '0013_exam_secrets'
down_revision = '0015_grader_claims'
branch_labels = None
depends_on = None

CODES = sa.table(
    'anonymisation_codes',
    sa.column('term', sa.String()),
    sa.column('prefix', sa.String()),
    sa.column('number', sa.Integer()),
    sa.column('code', sa.String()),
    sa.column('occasion_id', sa.String()),
    sa.column('student_uid', sa.String()),
)


def upgrade() -> None:
    op.create_table('exam_secrets',
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('lockdown_browser', sa.Boolean(), nullable=False),
    sa.Column('start_password', sa.Text(), nullable=True, comment='encrypted'),
    sa.Column('quit_password', sa.Text(), nullable=True, comment='encrypted'),
    sa.Column('sent_at', sa.DateTime(), nullable=True, comment='when the passwords were mailed to invigilators'),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.PrimaryKeyConstraint('occasion_id')
    )
    op.create_table('anonymisation_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=8), nullable=False, comment='e.g. VT2027 or HT2027, from the exam\'s date'),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('student_uid', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('occasion_id', 'student_uid'),
    sa.UniqueConstraint('term', 'prefix', 'number')
    )
    _record_held_codes()


def _record_held_codes() -> None:
    rows = op.get_bind().execute(sa.text(
        "SELECT r.occasion_id, r.student_uid, r.anonymisation_code, o.starts_at "
        "FROM registrations r JOIN occasions o ON o.id = r.occasion_id ORDER BY r.id"
    ))
    seen: set[tuple[str, str, int]] = set()
    records = []
    for occasion_id, student_uid, code, starts_at in rows:
        try:
            prefix, number = code_parts(code)
        except ValueError:
            continue
        if isinstance(starts_at, str):  # SQLite hands a raw query's DATETIME back as text
            starts_at = datetime.fromisoformat(starts_at)
        term = term_of(starts_at.replace(tzinfo=UTC))  # stored as naive UTC
        if (term, prefix, number) in seen:
            continue
        seen.add((term, prefix, number))
        records.append(dict(term=term, prefix=prefix, number=number, code=code,
                            occasion_id=occasion_id, student_uid=student_uid))
    if records:
        op.bulk_insert(CODES, records)


def downgrade() -> None:
    op.drop_table('anonymisation_codes')
    op.drop_table('exam_secrets')
