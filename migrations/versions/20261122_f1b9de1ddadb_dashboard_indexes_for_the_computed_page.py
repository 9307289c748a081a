"""Dashboard indexes for the computed page (every figure computed per request in < 500 ms).

Covering indexes the rewritten dashboard queries read instead of table rows: scenarios by
domain, district, status and publication (one index-only GROUP BY for four breakdowns);
capabilities by status and publication, and per firm with their status (offers of firms from
elsewhere, capabilities by district); engagements per scenario now carry their stage
(districts and the median from one index), engagements by creation time (months counted as
index ranges) and by stage and origin with amounts (headline figures, funnel, origins).
The signed-contracts index now orders firms within a stage (the top firms without table
reads). Five indexes of the previous dashboard migration are replaced.
Indexes only, no data changes; downgrade restores the previous indexes.
See docs/performance-dashboard.md for the figures.

Revision ID: f1b9de1ddadb
Revises: a27228e29305
Create Date: 2026-11-22 02:52:42.649567

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1b9de1ddadb'
down_revision = 'a27228e29305'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('capabilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capabilities_organization_id_published_at'))
        batch_op.create_index('ix_capabilities_organization_id_status', ['organization_id', 'status', 'published_at'], unique=False)
        batch_op.create_index('ix_capabilities_status_published_at', ['status', 'published_at'], unique=False)

    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagements_scenario_id_created_at'))
        batch_op.drop_index(batch_op.f('ix_engagements_stage_contract'))
        batch_op.create_index('ix_engagements_stage_firm_id', ['stage', 'firm_id', 'contract_date', 'contract_amount_wan'], unique=False)
        batch_op.create_index('ix_engagements_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_engagements_scenario_id_created_at_stage', ['scenario_id', 'created_at', 'stage'], unique=False)
        batch_op.create_index('ix_engagements_stage_origin', ['stage', 'origin', 'contract_amount_wan'], unique=False)

    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenarios_district_published_at'))
        batch_op.drop_index(batch_op.f('ix_scenarios_domain_published_at'))
        batch_op.create_index('ix_scenarios_domain_district_status', ['domain', 'district', 'status', 'published_at'], unique=False)


def downgrade():
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.drop_index('ix_scenarios_domain_district_status')
        batch_op.create_index(batch_op.f('ix_scenarios_domain_published_at'), ['domain', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scenarios_district_published_at'), ['district', 'published_at'], unique=False)

    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.drop_index('ix_engagements_stage_origin')
        batch_op.drop_index('ix_engagements_scenario_id_created_at_stage')
        batch_op.drop_index('ix_engagements_created_at')
        batch_op.drop_index('ix_engagements_stage_firm_id')
        batch_op.create_index(batch_op.f('ix_engagements_stage_contract'), ['stage', 'contract_date', 'contract_amount_wan', 'firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_engagements_scenario_id_created_at'), ['scenario_id', 'created_at'], unique=False)

    with op.batch_alter_table('capabilities', schema=None) as batch_op:
        batch_op.drop_index('ix_capabilities_status_published_at')
        batch_op.drop_index('ix_capabilities_organization_id_status')
        batch_op.create_index(batch_op.f('ix_capabilities_organization_id_published_at'), ['organization_id', 'published_at'], unique=False)
