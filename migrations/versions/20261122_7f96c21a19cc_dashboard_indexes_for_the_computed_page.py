"""Dashboard indexes for the computed page (every figure computed per request in < 500 ms).

Covering indexes the rewritten dashboard queries read instead of table rows: engagements per
scenario now carry their stage (districts and the median from one index), engagements by
creation time (months counted as index ranges) and by stage and origin with amounts (headline
figures, funnel, origins); capabilities per firm carry their status (offers of firms from
elsewhere, capabilities by district). Two narrower indexes are replaced by the wider ones.
Indexes only, no data changes; downgrade restores the previous indexes.
See docs/performance-dashboard.md for the figures.

Revision ID: 7f96c21a19cc
Revises: a27228e29305
Create Date: 2026-11-22 02:50:08.835071

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7f96c21a19cc'
down_revision = 'a27228e29305'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('capabilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capabilities_organization_id_published_at'))
        batch_op.create_index('ix_capabilities_organization_id_status', ['organization_id', 'status', 'published_at'], unique=False)

    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagements_scenario_id_created_at'))
        batch_op.create_index('ix_engagements_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_engagements_scenario_id_created_at_stage', ['scenario_id', 'created_at', 'stage'], unique=False)
        batch_op.create_index('ix_engagements_stage_origin', ['stage', 'origin', 'contract_amount_wan'], unique=False)


def downgrade():
    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.drop_index('ix_engagements_stage_origin')
        batch_op.drop_index('ix_engagements_scenario_id_created_at_stage')
        batch_op.drop_index('ix_engagements_created_at')
        batch_op.create_index(batch_op.f('ix_engagements_scenario_id_created_at'), ['scenario_id', 'created_at'], unique=False)

    with op.batch_alter_table('capabilities', schema=None) as batch_op:
        batch_op.drop_index('ix_capabilities_organization_id_status')
        batch_op.create_index(batch_op.f('ix_capabilities_organization_id_published_at'), ['organization_id', 'published_at'], unique=False)
