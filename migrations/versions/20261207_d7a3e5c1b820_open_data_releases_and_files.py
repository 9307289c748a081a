"""Open data: listing_releases (the OCDS-style release history of published listings, with
the writing transaction for the change feed) and open_data_files (bulk downloads, stored in
parts through app.storage). Existing published listings get their `publication` release from
`flask open-data backfill` (also run by the daily open_data.daily job), not here.

Revision ID: d7a3e5c1b820
Revises: e7a3c91b5d20
Create Date: 2026-12-07 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a3e5c1b820'
down_revision = 'e7a3c91b5d20'
branch_labels = None
depends_on = None


def _transaction_default():
    """The writing transaction's id on PostgreSQL; no default elsewhere."""
    if op.get_bind().dialect.name == "postgresql":
        return sa.text("(pg_current_xact_id()::text::bigint)")
    return None


def upgrade():
    op.create_table('listing_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ocid', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=20), nullable=False),
    sa.Column('date', sa.DateTime(timezone=True), nullable=False),
    sa.Column('schema_version', sa.String(length=10), nullable=False),
    sa.Column('release', sa.Text(), nullable=False),  # JSON as UTF-8 text (models.releases.JsonText)
    sa.Column('xact', sa.BigInteger(), server_default=_transaction_default(), nullable=True),
    sa.CheckConstraint("kind IN ('scenario', 'capability')", name=op.f('ck_listing_releases_kind')),
    sa.CheckConstraint("tag IN ('publication', 'revision', 'closing', 'withdrawal', 'expiry')", name=op.f('ck_listing_releases_tag')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_listing_releases_number_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_releases')),
    sa.UniqueConstraint('kind', 'listing_id', 'number', name=op.f('uq_listing_releases_kind_listing_id_number')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('listing_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_releases_ocid'), ['ocid'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_releases_xact'), ['xact'], unique=False)

    op.create_table('open_data_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('media_type', sa.String(length=60), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('schema_version', sa.String(length=10), nullable=False),
    sa.Column('cursor', sa.Text(), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_data_files')),
    sa.UniqueConstraint('generation', 'name', name=op.f('uq_open_data_files_generation_name'))
    )
    with op.batch_alter_table('open_data_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_data_files_generation'), ['generation'], unique=False)


def downgrade():
    with op.batch_alter_table('open_data_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_data_files_generation'))

    op.drop_table('open_data_files')
    with op.batch_alter_table('listing_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_releases_xact'))
        batch_op.drop_index(batch_op.f('ix_listing_releases_ocid'))

    op.drop_table('listing_releases')
