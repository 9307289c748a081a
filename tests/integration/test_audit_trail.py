"""The audit trail: what a record holds, its hash chain, append-only storage, verify, purge."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import DBAPIError

from app import audit, create_app
from app.audit_log import retention
from app.audit_log.verify import verify
from app.config import ConfigError, TestConfig
from app.extensions import db
from app.jobs.periodic import periodic, slot_of
from app.models import AuditEvent, Organization, OrgStatus, Outcome, Role, User
from app.models.base import utcnow
from app.review import services as review
from tests.conftest import login, past_audit_triggers
from tests.factories import make_org, make_user

# the append-only triggers are switched off for a transaction, and concurrent writers race
pytestmark = pytest.mark.commits


def events() -> list[AuditEvent]:
    """Every record, in chain order."""
    return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)))


def write(count: int, actor: User | None = None) -> None:
    """Commit `count` records through the API."""
    for n in range(count):
        audit.record_event("test", actor=actor, subject_id=n, note=f"第{n}条")
    db.session.commit()


def write_old(days: int, count: int = 1) -> None:
    """Commit records dated `days` ago (sealed like any other)."""
    for n in range(count):
        db.session.add(
            AuditEvent(
                action="old",
                subject_type="test",
                subject_id=n,
                created_at=utcnow() - timedelta(days=days),
            )
        )
    db.session.commit()


def run_verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


# --- what a record holds -------------------------------------------------------------------


def test_a_record_holds_actor_role_client_address_request_id_and_outcome(
    fresh_app: Callable[..., Flask], auditor: User
) -> None:
    admin_id, email = auditor.id, auditor.email
    proxied = fresh_app(TRUSTED_PROXIES=("127.0.0.1",))
    client = proxied.test_client()
    login(client, auditor)
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "req-audit-0001"}
    assert client.get("/audit/export.csv", headers=headers).status_code == 200
    with proxied.app_context():
        event = db.session.scalars(sa.select(AuditEvent)).one()
        assert (event.action, event.actor_id, event.actor_email) == (
            "audit_export",
            admin_id,
            email,
        )
        assert (event.actor_role, event.outcome) == ("auditor", Outcome.SUCCESS)
        assert (event.client_address, event.request_id) == ("203.0.113.7", "req-audit-0001")
        assert event.created_at is not None
        db.session.remove()


def test_an_untrusted_client_cannot_choose_the_recorded_address(
    client: FlaskClient, auditor: User
) -> None:
    login(client, auditor)
    client.get("/audit/export.csv", headers={"X-Forwarded-For": "198.51.100.1"})
    assert events()[0].client_address == "127.0.0.1"  # the peer, not the claimed address


def test_jobs_and_commands_record_without_a_request(admin: User) -> None:
    audit.record_event("login", actor=None, outcome="failure", note="未知邮箱")
    db.session.commit()
    event = events()[0]
    assert (event.actor_id, event.actor_email, event.actor_role) == (None, "", "")
    assert (event.client_address, event.request_id, event.subject_id) == ("", "", None)
    assert event.outcome is Outcome.FAILURE


def test_a_record_survives_its_user(admin: User) -> None:
    user = make_user(make_org(Role.FIRM))
    audit.record_event("password_change", actor=user, subject_id=user.id)
    db.session.commit()
    db.session.execute(sa.delete(User).where(User.id == user.id))  # no foreign key holds it
    db.session.commit()
    assert events()[0].actor_email == user.email


def test_notes_mask_mobile_numbers() -> None:
    audit.record_event("test", note="联系人 13805310001，座机 0531-88886666，编号 213805310001")
    db.session.commit()
    assert events()[0].note == "联系人 138****0001，座机 0531-88886666，编号 213805310001"


def test_an_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="maybe"):
        audit.record_event("test", outcome="maybe")


# --- same transaction: no audit record, no change --------------------------------------------


def test_when_the_record_cannot_be_written_the_change_is_not_committed(admin: User) -> None:
    org = make_org(Role.FIRM, status=OrgStatus.PENDING)
    org_id = db.session.get(Organization, org.id).id
    _refuse_audit_inserts()
    try:
        review.decide_organization(admin, org, approve=True)
        with pytest.raises(DBAPIError, match="no audit"):
            db.session.commit()
        db.session.rollback()
    finally:
        _allow_audit_inserts()
    assert db.session.get(Organization, org_id).status is OrgStatus.PENDING
    assert events() == []


def test_records_of_a_rolled_back_change_are_not_written() -> None:
    audit.record_event("rolled_back")
    db.session.rollback()
    audit.record_event("closed")
    db.session.close()
    savepoint = db.session.begin_nested()
    audit.record_event("savepoint_rolled_back")
    savepoint.rollback()
    with db.session.begin_nested():
        audit.record_event("savepoint_released")
    audit.record_event("kept")
    db.session.commit()
    assert [e.action for e in events()] == ["savepoint_released", "kept"]


def test_records_wait_for_the_commit_and_are_written_after_the_change(admin: User) -> None:
    org = make_org(Role.FIRM, status=OrgStatus.PENDING)
    review.decide_organization(admin, org, approve=True)
    db.session.flush()
    assert events() == []  # not yet: sealed at the commit, after every other row
    db.session.commit()
    assert [e.action for e in events()] == ["approve"]


def _refuse_audit_inserts() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            sa.text(
                "CREATE FUNCTION test_no_audit() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'no audit'; END $$"
            )
        )
        db.session.execute(
            sa.text(
                "CREATE TRIGGER test_no_audit BEFORE INSERT ON audit_events "
                "FOR EACH ROW EXECUTE FUNCTION test_no_audit()"
            )
        )
    else:
        db.session.execute(
            sa.text(
                "CREATE TRIGGER test_no_audit BEFORE INSERT ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'no audit'); END"
            )
        )
    db.session.commit()


def _allow_audit_inserts() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("DROP TRIGGER test_no_audit ON audit_events"))
        db.session.execute(sa.text("DROP FUNCTION test_no_audit()"))
    else:
        db.session.execute(sa.text("DROP TRIGGER test_no_audit"))
    db.session.commit()


# --- the chain ----------------------------------------------------------------------------


def test_records_are_numbered_and_each_links_to_the_previous_one(app: Flask) -> None:
    write(3)
    first, second, third = events()
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == "0" * 64
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    assert len({first.hash, second.hash, third.hash}) == 3


def test_verify_passes_an_intact_chain_and_counts_it(app: Flask, admin: User) -> None:
    write(5, actor=admin)
    code, output = run_verify(app)
    assert code == 0
    assert "审计链完整：已校验 5 条记录" in output


def test_verify_passes_an_empty_trail(app: Flask) -> None:
    code, output = run_verify(app)
    assert code == 0
    assert "已校验 0 条记录" in output


def test_verify_names_an_edited_record(app: Flask) -> None:
    write(5)
    past_audit_triggers("UPDATE audit_events SET note = '改过的' WHERE seq = 3")
    code, output = run_verify(app)
    assert code == 1
    assert "第 3 条，记录内容被修改" in output


def test_verify_names_a_record_whose_hash_was_replaced_without_the_key(app: Flask) -> None:
    write(5)
    # an attacker recomputes a plain SHA-256 (not holding the key) for an edited record
    past_audit_triggers(
        "UPDATE audit_events SET actor_email = 'x@example.com', hash = :h WHERE seq = 2", h="a" * 64
    )
    code, output = run_verify(app)
    assert code == 1
    assert "第 2 条" in output


def test_verify_names_a_deleted_middle_record(app: Flask) -> None:
    write(5)
    past_audit_triggers("DELETE FROM audit_events WHERE seq = 3")
    code, output = run_verify(app)
    assert code == 1
    assert "第 3 条，记录缺失" in output


def test_verify_names_deleted_last_records_only_by_their_absence_in_later_links(app: Flask) -> None:
    write(3)
    past_audit_triggers("DELETE FROM audit_events WHERE seq = 1")
    code, output = run_verify(app)
    assert code == 1  # the oldest left follows no purge record
    assert "第 2 条，更早的记录被删除" in output


def test_two_writers_at_once_never_fork_the_chain(app: Flask) -> None:
    errors: list[BaseException] = []

    # each thread: its own app context, so its own session, connection and transactions
    def writer(n: int) -> None:
        try:
            with app.app_context():
                for i in range(15):
                    audit.record_event("burst", subject_type="test", subject_id=n * 100 + i)
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 -- reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [e.seq for e in events()] == list(range(1, 61))
    verdict = verify(db.session())
    assert verdict.intact, verdict.problem
    assert verdict.checked == 60


# --- append-only ---------------------------------------------------------------------------


def test_a_record_cannot_be_updated(app: Flask) -> None:
    write(1)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.text("UPDATE audit_events SET note = 'x'"))
    db.session.rollback()
    old = events()
    old_event = old[0]
    old_event.note = "via the ORM"
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()


def test_an_old_record_cannot_be_updated_either(app: Flask) -> None:
    write_old(days=400)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.text("UPDATE audit_events SET action = 'x'"))
    db.session.rollback()


def test_a_fresh_record_cannot_be_deleted(app: Flask) -> None:
    write(1)
    write_old(days=179)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.text("DELETE FROM audit_events WHERE action = 'test'"))
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.text("DELETE FROM audit_events WHERE action = 'old'"))
    db.session.rollback()
    assert len(events()) == 2


def test_postgresql_refuses_truncate(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    write(1)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.text("TRUNCATE audit_events"))
    db.session.rollback()


def test_a_record_past_the_retention_floor_can_be_deleted(app: Flask) -> None:
    write_old(days=181)
    db.session.execute(sa.text("DELETE FROM audit_events"))
    db.session.commit()
    assert events() == []


# --- retention -----------------------------------------------------------------------------


def test_the_purge_deletes_only_records_past_the_retention_and_verify_still_passes(
    app: Flask,
) -> None:
    write_old(days=400, count=3)
    write_old(days=200, count=2)
    write(2)
    assert retention.purge(db.session(), 365) == 3
    db.session.commit()
    kept = events()
    assert [e.action for e in kept] == ["old", "old", "test", "test", "audit_purge"]
    assert kept[0].seq == 4
    purge_record = kept[-1]
    assert purge_record.subject_id == 3
    assert "清理3条超过365天的审计记录" in purge_record.note
    code, output = run_verify(app)
    assert code == 0, output
    assert "已校验 5 条记录，自第 4 条起" in output


def test_the_purge_never_deletes_a_record_younger_than_the_retention(app: Flask) -> None:
    write_old(days=179)
    write(1)
    assert retention.purge(db.session(), 180) == 0
    db.session.commit()
    assert len(events()) == 2  # and nothing recorded when nothing was purged


def test_the_purge_keeps_180_days_whatever_it_is_told(app: Flask) -> None:
    write_old(days=100)
    assert retention.purge(db.session(), 30) == 0
    db.session.commit()
    assert len(events()) == 1


def test_the_purge_leaves_no_hole_when_times_overlap_the_cutoff(app: Flask) -> None:
    # a record sealed after a younger one (it waited for the lock): the older-dated later
    # record must not be purged before the one in front of it
    write_old(days=100)
    write_old(days=300)
    assert retention.purge(db.session(), 180) == 0
    db.session.commit()
    assert run_verify(app)[0] == 0


def test_the_purge_runs_daily_as_a_periodic_job(app: Flask) -> None:
    entry = periodic("audit.purge")
    now = utcnow()
    assert slot_of(entry, now + timedelta(days=1)) - slot_of(entry, now) == timedelta(days=1)
    write_old(days=200)
    write(1)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "audit.purge"])
    assert result.exit_code == 0, result.output
    assert [e.action for e in events()] == ["test", "audit_purge"]


def test_the_purge_command(app: Flask) -> None:
    write_old(days=200)
    result = app.test_cli_runner().invoke(args=["audit", "purge"])
    assert result.exit_code == 0
    assert "已清理 1 条过期审计记录" in result.output
    assert [e.action for e in events()] == ["audit_purge"]


def test_a_retention_below_180_days_stops_the_start_up() -> None:
    with pytest.raises(ConfigError, match="AUDIT_RETENTION_DAYS must be at least 180"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", AUDIT_RETENTION_DAYS=90)


def test_the_chain_key_comes_from_audit_key_when_set(app: Flask) -> None:
    write(2)
    assert run_verify(app)[0] == 0
    app.config["AUDIT_KEY"] = "another-key-held-by-the-operator"
    try:
        code, output = run_verify(app)  # the records were sealed with the derived key
        assert code == 1
        assert "第 1 条" in output
    finally:
        app.config["AUDIT_KEY"] = ""
