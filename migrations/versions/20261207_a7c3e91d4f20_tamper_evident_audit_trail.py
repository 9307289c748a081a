"""Tamper-evident, append-only audit trail.

- audit_events keeps a snapshot of its actor (id, e-mail, role) instead of a foreign key to
  users (a record must outlive any change to its user); it gains the client address, the
  request id and the outcome; subject_id may be empty (a failed sign-in for an unknown e-mail);
  updated_at goes (records never change).
- seq, prev_hash and hash chain the records (app/audit_log/chain.py); records written before
  this revision are numbered in id order and chained here with the application's key.
- Triggers refuse every UPDATE, and a DELETE of a record younger than 180 days (the legal
  minimum retention; AUDIT_RETENTION_DAYS may only keep records longer). PostgreSQL also refuses
  TRUNCATE.

Revision ID: a7c3e91d4f20
Revises: 5e2a9c1d7b30
Create Date: 2026-12-07 12:20:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a7c3e91d4f20"
down_revision = "5e2a9c1d7b30"
branch_labels = None
depends_on = None

RETENTION_FLOOR_DAYS = 180  # keep equal to app.audit_log.retention.MIN_RETENTION_DAYS
NEW_TEXT_COLUMNS = {"actor_email": 254, "actor_role": 20, "client_address": 45, "request_id": 64}

POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.created_at < now() - interval '{RETENTION_FLOOR_DAYS} days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _postgresql_triggers():
    op.execute(POSTGRESQL_FUNCTION)
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
    )


def _sqlite_triggers():
    op.execute(
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN "
        "SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END"
    )
    # created_at is stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, comparable as text
    op.execute(
        "CREATE TRIGGER audit_events_no_early_delete BEFORE DELETE ON audit_events "
        f"WHEN OLD.created_at >= datetime('now', '-{RETENTION_FLOOR_DAYS} days') BEGIN "
        "SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END"
    )


def _drop_triggers(dialect):
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_early_delete")


def _chain_existing_records():
    """Snapshot the actors of older records, number them in id order and chain them."""
    from app.audit.chain import GENESIS, key, seal

    connection = op.get_bind()
    events = sa.table(
        "audit_events",
        *(
            sa.column(name)
            for name in (
                "id",
                "seq",
                "created_at",
                "actor_id",
                "actor_email",
                "actor_role",
                "action",
                "subject_type",
                "subject_id",
                "outcome",
                "client_address",
                "request_id",
                "note",
                "prev_hash",
                "hash",
            )
        ),
    )
    users = sa.table("users", sa.column("id"), sa.column("email"), sa.column("role"))
    rows = (
        connection.execute(
            sa.select(events, users.c.email.label("user_email"), users.c.role.label("user_role"))
            .select_from(events.outerjoin(users, users.c.id == events.c.actor_id))
            .order_by(events.c.id)
        )
        .mappings()
        .all()
    )
    signing_key, prev = key(), GENESIS
    for seq, row in enumerate(rows, start=1):
        fields = dict(row)
        fields.update(
            seq=seq,
            actor_email=row["user_email"] or "",
            actor_role=row["user_role"] or "",
            outcome="success",
            client_address="",
            request_id="",
        )
        digest = seal(signing_key, fields, prev)
        connection.execute(
            events.update()
            .where(events.c.id == row["id"])
            .values(
                seq=seq,
                actor_email=fields["actor_email"],
                actor_role=fields["actor_role"],
                outcome="success",
                client_address="",
                request_id="",
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint("fk_audit_events_actor_id_users", type_="foreignkey")
        batch_op.drop_column("updated_at")
        batch_op.alter_column("subject_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        for name, length in NEW_TEXT_COLUMNS.items():
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))

    _chain_existing_records()

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        for name in ("seq", "outcome", "prev_hash", "hash"):
            batch_op.alter_column(name, nullable=False)
        for name, length in NEW_TEXT_COLUMNS.items():
            batch_op.alter_column(name, existing_type=sa.String(length=length), nullable=False)
        batch_op.create_check_constraint(
            "audit_outcome", sa.column("outcome").in_(["success", "failure"])
        )
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_seq"), ["seq"])
        batch_op.create_index(
            batch_op.f("ix_audit_events_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _postgresql_triggers()
    elif dialect == "sqlite":
        _sqlite_triggers()


def downgrade():
    _drop_triggers(op.get_bind().dialect.name)
    # the foreign key comes back: forget actors that are no longer users, as SET NULL would have
    op.execute(
        "UPDATE audit_events SET actor_id = NULL "
        "WHERE actor_id IS NOT NULL AND actor_id NOT IN (SELECT id FROM users)"
    )
    op.execute("UPDATE audit_events SET subject_id = 0 WHERE subject_id IS NULL")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE audit_events SET updated_at = created_at")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))
        batch_op.drop_index(batch_op.f("ix_audit_events_created_at"))
        batch_op.drop_constraint(batch_op.f("uq_audit_events_seq"), type_="unique")
        batch_op.drop_constraint(batch_op.f("ck_audit_events_audit_outcome"), type_="check")
        for name in ("hash", "prev_hash", "outcome", "seq", *NEW_TEXT_COLUMNS):
            batch_op.drop_column(name)
        batch_op.alter_column("updated_at", nullable=False)
        batch_op.alter_column("subject_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_audit_events_actor_id_users", "users", ["actor_id"], ["id"], ondelete="SET NULL"
        )
