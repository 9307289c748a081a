"""Matching service: feed rows record their transaction, index artifacts, impressions.

- match_changes.xact: on PostgreSQL the id of the transaction that wrote the row (a column
  default, so every insert gets it); readers follow the feed by transaction, not by row id,
  because ids are allocated at flush and can commit out of order. NULL on SQLite (one writer
  at a time: ids commit in order). Rows written before this revision have none and are never
  read again; every matcher builds its state at start-up.
- match_changes.artifact_id: an 'engine' row names the index artifact to switch to.
- index_artifacts, index_artifact_chunks: the engine and both indexes built once per
  deployment (signed bytes, chunked below PostgreSQL's 1 GB bytea cap).
- recommendation_impressions: every recommendation a detail page showed.
- recommendations.engine_version: the engine that proposed a queued pair.

Revision ID: b18296b57dbc
Revises: 1449163877d5
Create Date: 2026-12-07 06:16:10.072381

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b18296b57dbc'
down_revision = '1449163877d5'
branch_labels = None
depends_on = None


def _transaction_default():
    """The writing transaction's id on PostgreSQL; no default elsewhere."""
    if op.get_bind().dialect.name == "postgresql":
        return sa.text("(pg_current_xact_id()::text::bigint)")
    return None


def upgrade():
    op.create_table('index_artifacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('vocabulary', sa.String(length=64), nullable=False),
    sa.Column('features_version', sa.Integer(), nullable=False),
    sa.Column('format', sa.Integer(), nullable=False),
    sa.Column('feed_cursor', sa.BigInteger(), nullable=False),
    sa.Column('scenarios', sa.Integer(), nullable=False),
    sa.Column('capabilities', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('hmac', sa.String(length=64), nullable=False),
    sa.Column('build_seconds', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_index_artifacts')),
    sa.UniqueConstraint('version', name=op.f('uq_index_artifacts_version'))
    )
    op.create_table('index_artifact_chunks',
    sa.Column('artifact_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['artifact_id'], ['index_artifacts.id'], name=op.f('fk_index_artifact_chunks_artifact_id_index_artifacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('artifact_id', 'seq', name=op.f('pk_index_artifact_chunks'))
    )
    op.create_table('recommendation_impressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shown_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('side', sa.String(length=20), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('engine_version', sa.String(length=60), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.CheckConstraint("side IN ('scenario', 'capability')", name=op.f('ck_recommendation_impressions_side')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_recommendation_impressions_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recommendation_impressions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_impressions'))
    )
    with op.batch_alter_table('recommendation_impressions', schema=None) as batch_op:
        batch_op.create_index('ix_recommendation_impressions_listing', ['side', 'listing_id', 'shown_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_impressions_shown_at'), ['shown_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_impressions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('match_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('xact', sa.BigInteger(), server_default=_transaction_default(), nullable=True))
        batch_op.add_column(sa.Column('artifact_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_match_changes_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_changes_xact'), ['xact'], unique=False)

    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('engine_version', sa.String(length=60), nullable=True))



def downgrade():
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_column('engine_version')

    with op.batch_alter_table('match_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_changes_xact'))
        batch_op.drop_index(batch_op.f('ix_match_changes_created_at'))
        batch_op.drop_column('artifact_id')
        batch_op.drop_column('xact')

    with op.batch_alter_table('recommendation_impressions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_impressions_user_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_impressions_shown_at'))
        batch_op.drop_index('ix_recommendation_impressions_listing')

    op.drop_table('recommendation_impressions')
    op.drop_table('index_artifact_chunks')
    op.drop_table('index_artifacts')
