"""The match queue cleared fast: bulk decisions, concurrency-safe and audited; pairs already
engaged leave the queue (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.models import (
    AuditEvent,
    Engagement,
    EngagementOrigin,
    EngagementStage,
    Notification,
    Recommendation,
    RecommendationStatus,
    User,
)
from app.review import matches
from tests.conftest import login
from tests.factories import make_capability, make_scenario


def _pairs(publisher: User, firm: User, n: int = 3) -> list[Recommendation]:
    capability = make_capability(firm.organization)
    recs = []
    for i in range(n):
        scenario = make_scenario(publisher.organization, title=f"待推荐场景{i}")
        rec = Recommendation(scenario=scenario, capability=capability, score=0.95 - i / 100)
        db.session.add(rec)
        recs.append(rec)
    db.session.commit()
    return recs


def _status(rec: Recommendation) -> RecommendationStatus:
    return db.session.scalar(sa.select(Recommendation.status).where(Recommendation.id == rec.id))


def test_ticked_pairs_are_approved_at_once_audited_and_told(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    recs = _pairs(publisher, firm)
    login(client, admin)
    page = client.get("/review/matches").get_data(as_text=True)
    assert 'data-testid="bulk-matches"' in page
    assert 'data-testid="select-all"' in page
    picked = [str(recs[0].id), str(recs[2].id)]
    response = client.post(
        "/review/matches/bulk", data={"items": picked, "bulk-decision": "approve"}
    )
    assert response.status_code == 302
    assert [_status(r) for r in recs] == [
        RecommendationStatus.APPROVED,
        RecommendationStatus.PENDING,
        RecommendationStatus.APPROVED,
    ]
    audited = db.session.scalars(
        sa.select(AuditEvent.subject_id).where(
            AuditEvent.action == "approve", AuditEvent.subject_type == "recommendations"
        )
    )
    assert sorted(audited) == sorted([recs[0].id, recs[2].id])
    told = db.session.scalar(
        sa.select(sa.func.count()).where(
            Notification.user_id == firm.id, Notification.kind == "new_recommendation"
        )
    )
    assert told == 2
    flashed = client.get("/review/matches").get_data(as_text=True)
    assert "已批量通过2条推荐" in flashed
    assert f"match-{recs[0].id}" not in flashed
    assert f"match-{recs[1].id}" in flashed


def test_the_whole_page_is_rejected_with_one_reason_and_a_reason_is_required(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    recs = _pairs(publisher, firm)
    login(client, admin)
    every = {"all": "1", "page_items": [str(r.id) for r in recs], "bulk-decision": "reject"}
    refused = client.post("/review/matches/bulk", data=every, follow_redirects=True)
    assert "驳回时请填写原因" in refused.get_data(as_text=True)
    assert {_status(r) for r in recs} == {RecommendationStatus.PENDING}
    client.post("/review/matches/bulk", data={**every, "bulk-reason": "企业能力不对口"})
    notes = db.session.execute(sa.select(Recommendation.status, Recommendation.review_note))
    assert set(notes) == {(RecommendationStatus.REJECTED, "企业能力不对口")}
    nothing = client.post("/review/matches/bulk", data={"bulk-decision": "approve"})
    assert nothing.status_code == 302


def test_a_pair_decided_meanwhile_is_reported_stale_and_keeps_the_first_decision(
    client: FlaskClient,
    admin: User,
    publisher: User,
    firm: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recs = _pairs(publisher, firm, 2)
    login(client, admin)
    # another reviewer rejects the first pair after this reviewer's checks read it as pending
    real = matches._refusal

    def race(rec: Recommendation, approve: bool) -> str:
        found = real(rec, approve)
        if rec.id == recs[0].id:
            db.session.execute(
                sa.update(Recommendation)
                .where(Recommendation.id == rec.id)
                .values(status="rejected", reviewer_id=admin.id, reviewed_at=sa.func.now())
            )
        return found

    monkeypatch.setattr(matches, "_refusal", race)
    page = client.post(
        "/review/matches/bulk",
        data={"items": [str(r.id) for r in recs], "bulk-decision": "approve"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已被其他审核员处理" in page
    assert [_status(r) for r in recs] == [
        RecommendationStatus.REJECTED,
        RecommendationStatus.APPROVED,
    ]


def test_a_pair_decided_before_is_refused_not_decided_twice(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    (rec,) = _pairs(publisher, firm, 1)
    login(client, admin)
    client.post(f"/review/matches/{rec.id}/decide", data={"decision": "reject", "reason": "不对口"})
    again = client.post(
        "/review/matches/bulk",
        data={"items": [str(rec.id)], "bulk-decision": "approve"},
        follow_redirects=True,
    )
    assert "不能重复审核" in again.get_data(as_text=True)
    assert _status(rec) is RecommendationStatus.REJECTED


def test_a_pair_already_engaged_leaves_the_queue_and_cannot_be_approved(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    engaged, waiting = _pairs(publisher, firm, 2)
    db.session.add(
        Engagement(
            scenario_id=engaged.scenario_id,
            firm_id=firm.organization_id,
            origin=EngagementOrigin.APPLICATION,
            stage=EngagementStage.INTENT,
        )
    )
    db.session.commit()
    login(client, admin)
    page = client.get("/review/matches").get_data(as_text=True)
    assert f"match-{engaged.id}" not in page
    assert f"match-{waiting.id}" in page
    assert 'data-testid="todo-matches">1<' in client.get("/review/").get_data(as_text=True)
    refused = client.post(
        f"/review/matches/{engaged.id}/decide", data={"decision": "approve"}, follow_redirects=True
    )
    assert "已与此场景建立对接" in refused.get_data(as_text=True)
    assert _status(engaged) is RecommendationStatus.PENDING


@pytest.mark.parametrize("who", ["publisher", "firm", None])
def test_only_reviewers_decide_in_bulk(
    client: FlaskClient, request: pytest.FixtureRequest, who: Any, publisher: User, firm: User
) -> None:
    (rec,) = _pairs(publisher, firm, 1)
    login(client, request.getfixturevalue(who) if who else None)
    response = client.post(
        "/review/matches/bulk", data={"items": [str(rec.id)], "bulk-decision": "approve"}
    )
    assert response.status_code == (302 if who is None else 403)
    if who is None:
        assert "/login" in response.headers["Location"]
    assert _status(rec) is RecommendationStatus.PENDING
