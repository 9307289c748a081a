"""Dashboard aggregation indexes.

Covering indexes so the dashboard's GROUP BY queries read narrow indexes instead of table
rows: engagements per scenario with first contact and stage, signed contracts with amounts and
firms, termination events, published scenarios by domain and by district, capabilities by
firm; (term_id, owner) indexes on the tag and domain link tables; rejected recommendations by
review time. Indexes only, no data changes; downgrade drops them.
See docs/performance-dashboard.md for the figures.

Revision ID: 6461d68ae468
Revises: 8b27c41325f0
Create Date: 2026-11-22 01:57:20.935334

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6461d68ae468'
down_revision = '8b27c41325f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('capabilities', schema=None) as batch_op:
        batch_op.create_index('ix_capabilities_organization_id_published_at', ['organization_id', 'published_at'], unique=False)

    with op.batch_alter_table('capability_domains', schema=None) as batch_op:
        batch_op.create_index('ix_capability_domains_term_id', ['term_id', 'capability_id'], unique=False)

    with op.batch_alter_table('capability_tags', schema=None) as batch_op:
        batch_op.create_index('ix_capability_tags_term_id', ['term_id', 'capability_id'], unique=False)

    with op.batch_alter_table('engagement_events', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_events_to_stage', ['to_stage', 'engagement_id', 'from_stage'], unique=False)

    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.create_index('ix_engagements_scenario_id_created_at', ['scenario_id', 'created_at'], unique=False)
        batch_op.create_index('ix_engagements_stage_contract', ['stage', 'contract_date', 'contract_amount_wan', 'firm_id'], unique=False)

    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.create_index('ix_recommendations_status_reviewed_at', ['status', 'reviewed_at'], unique=False)

    with op.batch_alter_table('scenario_tags', schema=None) as batch_op:
        batch_op.create_index('ix_scenario_tags_term_id', ['term_id', 'scenario_id'], unique=False)

    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.create_index('ix_scenarios_district_published_at', ['district', 'published_at'], unique=False)
        batch_op.create_index('ix_scenarios_domain_published_at', ['domain', 'published_at'], unique=False)



def downgrade():
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.drop_index('ix_scenarios_domain_published_at')
        batch_op.drop_index('ix_scenarios_district_published_at')

    with op.batch_alter_table('scenario_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_scenario_tags_term_id')

    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_index('ix_recommendations_status_reviewed_at')

    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.drop_index('ix_engagements_stage_contract')
        batch_op.drop_index('ix_engagements_scenario_id_created_at')

    with op.batch_alter_table('engagement_events', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_events_to_stage')

    with op.batch_alter_table('capability_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_capability_tags_term_id')

    with op.batch_alter_table('capability_domains', schema=None) as batch_op:
        batch_op.drop_index('ix_capability_domains_term_id')

    with op.batch_alter_table('capabilities', schema=None) as batch_op:
        batch_op.drop_index('ix_capabilities_organization_id_published_at')

