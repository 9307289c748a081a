"""Engagement reveals: a reveal log row may name the engagement whose parties saw each other's
contacts at 洽谈中 or later (logged, not counted against the daily limit).

Revision ID: e12b5c0a7d41
Revises: 51c335c9a3ca
Create Date: 2026-12-07 15:20:00.000000

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e12b5c0a7d41'
down_revision = '51c335c9a3ca'
branch_labels = None
depends_on = None

# SQLite's batch copy reflects the table the new key points at; it cannot reflect that table's
# expression indexes (which it does not copy) and warns so: harmless here
REFLECTION = "Skipped unsupported reflection"


def upgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", REFLECTION, sa.exc.SAWarning)
        with op.batch_alter_table('contact_reveals', schema=None) as batch_op:
            batch_op.add_column(sa.Column('engagement_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f('ix_contact_reveals_engagement_id'), ['engagement_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_contact_reveals_engagement_id_engagements'), 'engagements', ['engagement_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", REFLECTION, sa.exc.SAWarning)
        with op.batch_alter_table('contact_reveals', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_contact_reveals_engagement_id_engagements'), type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_contact_reveals_engagement_id'))
            batch_op.drop_column('engagement_id')
