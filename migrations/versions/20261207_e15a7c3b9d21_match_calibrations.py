"""Match-level calibrations refitted on review decisions (issue 15).

Revision ID: e15a7c3b9d21
Revises: d7a3e5c1b820
Create Date: 2026-12-07 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e15a7c3b9d21'
down_revision = 'd7a3e5c1b820'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('match_calibrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('a', sa.Double(), nullable=False),
    sa.Column('b', sa.Double(), nullable=False),
    sa.Column('pairs', sa.Integer(), nullable=False),
    sa.Column('positives', sa.Integer(), nullable=False),
    sa.Column('ece', sa.Double(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_match_calibrations_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_calibrations'))
    )


def downgrade():
    op.drop_table('match_calibrations')
