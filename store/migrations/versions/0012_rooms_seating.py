"""rooms and seating

Revision ID: 0012_rooms_seating
Revises: 0010
Create Date: 2026-12-03 13:00:00.000000

The exam office's rooms (seats, seats with a power outlet, separate rooms, loan PCs), each exam's
room bookings and seating plan, the candidates' applications for loan PCs and who is on duty.
"""

from alembic import op
import sqlalchemy as sa


revision = '0012_rooms_seating'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rooms',
    sa.Column('code', sa.String(length=100), nullable=False, comment='the room\'s name, e.g. Q21'),
    sa.Column('building', sa.String(length=100), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('power_seats', sa.Integer(), nullable=False),
    sa.Column('separate_room', sa.Boolean(), nullable=False),
    sa.Column('loan_pcs', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False, comment='the rooms file it was read from'),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('room_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('room_code', sa.String(length=100), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.ForeignKeyConstraint(['room_code'], ['rooms.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('occasion_id', 'room_code')
    )
    op.create_index('ix_room_bookings_room', 'room_bookings', ['room_code', 'starts_at'], unique=False)
    op.create_table('seat_assignments',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('room_code', sa.String(length=100), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=False),
    sa.Column('power', sa.Boolean(), nullable=False, comment='the seat has a power outlet'),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], ),
    sa.ForeignKeyConstraint(['room_code'], ['rooms.code'], ),
    sa.PrimaryKeyConstraint('registration_id'),
    sa.UniqueConstraint('occasion_id', 'room_code', 'seat')
    )
    op.create_table('loan_pc_applications',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False, comment='applied, granted or refused'),
    sa.Column('building', sa.String(length=100), nullable=False, comment='whose pool lends it'),
    sa.Column('reason', sa.String(length=200), nullable=False, comment='why it was refused'),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], ),
    sa.PrimaryKeyConstraint('registration_id')
    )
    op.create_index(op.f('ix_loan_pc_applications_occasion_id'), 'loan_pc_applications', ['occasion_id'], unique=False)
    op.create_table('exam_duties',
    sa.Column('occasion_id', sa.String(length=255), nullable=False),
    sa.Column('staff_id', sa.String(length=255), nullable=False),
    sa.Column('duty', sa.String(length=16), nullable=False, comment='invigilator or it_support'),
    sa.Column('place', sa.String(length=100), nullable=False, comment='the room (invigilator) or building (IT support)'),
    sa.ForeignKeyConstraint(['occasion_id'], ['occasions.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('occasion_id', 'staff_id')
    )


def downgrade() -> None:
    op.drop_table('exam_duties')
    op.drop_index(op.f('ix_loan_pc_applications_occasion_id'), table_name='loan_pc_applications')
    op.drop_table('loan_pc_applications')
    op.drop_table('seat_assignments')
    op.drop_index('ix_room_bookings_room', table_name='room_bookings')
    op.drop_table('room_bookings')
    op.drop_table('rooms')
