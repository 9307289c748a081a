"""Files in the database: attachments and spreadsheets waiting for import.

New tables: stored_files (a random key, size, SHA-256 and the bytes, bytea on PostgreSQL and
BLOB on SQLite) and pending_imports (a spreadsheet between preview and import: token, user,
kind, original name, the key of its bytes, the import job once confirmed).

Data: the files of existing attachments move from ATTACHMENT_DIR (the environment variable
the application read until now, default instance/uploads) into stored_files, under the key
the rows already hold: listing attachments from ATTACHMENT_DIR/<attachments.stored_name>,
application attachments from ATTACHMENT_DIR/engagements/<engagements.attachment_file>. Only
files a row references are read, one at a time (each at most ATTACHMENT_MAX_BYTES). A missing
or unreadable file is logged and skipped, never a failed upgrade: its download answered 404
before and still does. The files are left on disk; remove the directory once the upgrade is
committed and checked. Spreadsheets waiting in IMPORT_DIR are not moved: they lived a day at
most, and their owners upload again.

Downgrade writes every referenced file back where the previous release reads it (same names,
same engagements/ sub-folder), then drops the tables. After this upgrade the database may hold
the only copy (the directory removed, or files uploaded since), so dropping the table alone
would lose attachments, and refusing whenever rows exist would make the downgrade useless the
day it is needed. A file that cannot be written stops the downgrade before anything is
dropped. Pending imports are dropped: their owners upload again.

Revision ID: 1449163877d5
Revises: b5872cf81a30
Create Date: 2026-12-07 06:14:52.536934

"""
import hashlib
import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1449163877d5'
down_revision = 'b5872cf81a30'
branch_labels = None
depends_on = None

# under "alembic": shown by the migration's logging configuration (alembic.ini)
log = logging.getLogger("alembic.files_in_the_database")

# names the application gave its files: random hex (application files stored before the
# engagement attachments moved under ATTACHMENT_DIR kept an extension); anything else in a
# row is never turned into a path
STORED_NAME = re.compile(r"[0-9a-f]{32}(\.[a-z]{3,4})?")

# the tables as this revision knows them (not the application's models, which move on)
stored_files = sa.table(
    "stored_files",
    sa.column("key", sa.String),
    sa.column("size", sa.Integer),
    sa.column("sha256", sa.String),
    sa.column("data", sa.LargeBinary),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
attachments = sa.table("attachments", sa.column("stored_name", sa.String))
engagements = sa.table("engagements", sa.column("attachment_file", sa.String))


def attachment_dir():
    """The directory the previous release stored attachments in."""
    default = Path(__file__).resolve().parents[2] / "instance" / "uploads"
    return Path(os.environ.get("ATTACHMENT_DIR") or default)


def referenced_files(connection):
    """(key, path under ATTACHMENT_DIR) of every file a row references, each once."""
    listing = connection.scalars(sa.select(attachments.c.stored_name))
    application = connection.scalars(
        sa.select(engagements.c.attachment_file).where(engagements.c.attachment_file != "")
    )
    files = {name: name for name in listing}
    files.update((name, f"engagements/{name}") for name in application)
    return sorted(files.items())


def move_into_database(connection, directory):
    """Copy each referenced file found under directory into stored_files; return how many."""
    moved = 0
    for key, relative in referenced_files(connection):
        if not STORED_NAME.fullmatch(key):
            log.warning("%r is no file name the application gave: not moved", key)
            continue
        path = directory / relative
        try:
            data = path.read_bytes()
        except OSError as error:
            log.warning("attachment file %s not moved into the database: %s", path, error)
            continue
        connection.execute(
            stored_files.insert().values(
                key=key,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                created_at=datetime.now(UTC),
            )
        )
        moved += 1
    log.info("moved %d attachment files from %s into the database", moved, directory)
    return moved


def write_out(connection, directory):
    """Write each referenced file in stored_files back under directory; return how many."""
    written = 0
    for key, relative in referenced_files(connection):
        query = sa.select(stored_files.c.data).where(stored_files.c.key == key)
        data = connection.scalar(query) if STORED_NAME.fullmatch(key) else None
        if data is None:
            log.warning("no stored bytes for %s: nothing written", relative)
            continue
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.partial")
        partial.write_bytes(data)
        partial.replace(path)  # a reader never sees half a file
        written += 1
    log.info("wrote %d attachment files back to %s", written, directory)
    return written


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('stored_files',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size >= 0', name=op.f('ck_stored_files_size_not_negative')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_files'))
    )
    op.create_table('pending_imports',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('file_key', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('scenario', 'capability')", name=op.f('ck_pending_imports_known_kind')),
    sa.ForeignKeyConstraint(['run_id'], ['job_runs.id'], name=op.f('fk_pending_imports_run_id_job_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_imports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_pending_imports'))
    )
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_imports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_imports_user_id'), ['user_id'], unique=False)

    # ### end Alembic commands ###
    move_into_database(op.get_bind(), attachment_dir())


def downgrade():
    write_out(op.get_bind(), attachment_dir())
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_imports_user_id'))
        batch_op.drop_index(batch_op.f('ix_pending_imports_created_at'))

    op.drop_table('pending_imports')
    op.drop_table('stored_files')
    # ### end Alembic commands ###
