"""场景答疑: firms ask about open scenarios, publishers answer, answers are public without the
asker, followers and applicants are told, administrators hide abusive questions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import clock
from app.engagements import services as engagements
from app.errors import DomainError
from app.extensions import db
from app.models import (
    AuditEvent,
    ListingStatus,
    Notification,
    OrgStatus,
    QuestionStatus,
    Role,
    Scenario,
    ScenarioFollow,
    ScenarioQuestion,
    User,
)
from app.questions import policies, services
from tests.conftest import login
from tests.factories import make_org, make_scenario, make_user

# deadlines, "today" and publication dates hold still (see FROZEN_AT)
pytestmark = pytest.mark.usefixtures("frozen_clock")

QUESTION = "是否接受联合体申报？牵头单位需要具备哪些资质？"
ANSWER = "接受联合体申报，牵头单位须为本地注册的软件企业。"
TOKEN = "0123456789abcdef0123456789abcdef"


def questions() -> list[ScenarioQuestion]:
    return list(db.session.scalars(sa.select(ScenarioQuestion).order_by(ScenarioQuestion.id)))


def notices(user: User, kind: str) -> list[str]:
    query = sa.select(Notification.title).where(
        Notification.user_id == user.id, Notification.kind == kind
    )
    return list(db.session.scalars(query))


def audited(action: str) -> int:
    query = sa.select(sa.func.count()).where(AuditEvent.action == action)
    return db.session.scalar(query) or 0


def ask(client: FlaskClient, scenario: Scenario, text: str = QUESTION, **data: str):
    return client.post(f"/scenarios/{scenario.id}/questions", data={"question": text, **data})


@pytest.fixture
def scenario(publisher: User) -> Scenario:
    return make_scenario(publisher.organization)


def asked(firm: User, scenario: Scenario, text: str = QUESTION) -> ScenarioQuestion:
    question = services.ask(firm, scenario, text)
    db.session.commit()
    return question


def test_a_firm_asks_the_publisher_answers_and_the_answer_is_public_without_the_asker(
    client: FlaskClient, publisher: User, firm: User, scenario: Scenario
) -> None:
    login(client, firm)
    response = ask(client, scenario, submission=TOKEN)
    assert response.status_code == 302
    assert response.headers["Location"] == "/my/questions"
    (question,) = questions()
    assert question.status is QuestionStatus.PENDING
    assert question.asker_id == firm.id
    assert notices(publisher, "question_asked") == [f"场景“{scenario.title}”收到新的提问"]
    assert audited("question_ask") == 1
    # pending questions are not public, but the asker sees theirs
    mine = client.get("/my/questions").get_data(as_text=True)
    assert QUESTION in mine
    assert "待答复" in mine
    login(client, None)
    public = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert QUESTION not in public
    # the publisher sees the question, without who asked
    login(client, publisher)
    for page in (f"/scenarios/{scenario.id}", "/my/questions", f"/questions/{question.id}/answer"):
        html = client.get(page).get_data(as_text=True)
        assert QUESTION in html
        assert firm.organization.name not in html
        assert firm.name not in html
    response = client.post(f"/questions/{question.id}/answer", data={"answer": ANSWER})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/scenarios/{scenario.id}#questions"
    db.session.refresh(question)
    assert question.status is QuestionStatus.ANSWERED
    assert question.answer == ANSWER
    assert question.answered_by_id == publisher.id
    assert audited("question_answer") == 1
    login(client, None)
    public = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert QUESTION in public
    assert ANSWER in public
    assert "答复时间" in public
    assert firm.organization.name not in public
    assert firm.name not in public
    assert firm.email not in public
    assert notices(firm, "question_answered") == [f"您对“{scenario.title}”的提问已获答复"]
    link = db.session.scalar(sa.select(Notification.link).where(Notification.user_id == firm.id))
    assert link == "/my/questions"


def test_applicants_and_followers_are_told_of_a_new_answer_once(
    client: FlaskClient, publisher: User, firm: User, other_firm: User, scenario: Scenario
) -> None:
    engagements.apply(other_firm, scenario, "我们有成熟的道路病害识别产品。", None)
    colleague = make_user(other_firm.organization)  # every user of an applicant firm
    follower = make_user(make_org(Role.FIRM))
    bystander = make_user(make_org(Role.FIRM))
    db.session.commit()
    login(client, follower)
    response = client.post(f"/scenarios/{scenario.id}/follow", data={"on": "y"})
    assert response.headers["Location"] == f"/scenarios/{scenario.id}#questions"
    assert "取消关注" in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    question = asked(firm, scenario)
    login(client, publisher)
    client.post(f"/questions/{question.id}/answer", data={"answer": ANSWER})
    title = f"场景“{scenario.title}”有新的答疑"
    for user in (other_firm, colleague, follower):
        assert notices(user, "question_answered") == [title]
    assert notices(bystander, "question_answered") == []
    assert notices(firm, "question_answered") == [f"您对“{scenario.title}”的提问已获答复"]
    # a corrected answer is audited but announced no second time
    client.post(f"/questions/{question.id}/answer", data={"answer": ANSWER + "（补充）"})
    assert notices(follower, "question_answered") == [title]
    assert audited("question_answer_edit") == 1
    # unfollowing stops the notices
    login(client, follower)
    client.post(f"/scenarios/{scenario.id}/follow", data={})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScenarioFollow)) == 0


def test_visitors_are_asked_to_sign_in_and_wrong_roles_are_refused(
    client: FlaskClient, publisher: User, firm: User, admin: User, scenario: Scenario
) -> None:
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "登录后提问" in page
    assert 'data-testid="ask-form"' not in page
    response = ask(client, scenario)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    login(client, publisher)
    assert ask(client, scenario).status_code == 403
    assert client.post(f"/scenarios/{scenario.id}/follow", data={"on": "y"}).status_code == 403
    login(client, admin)
    assert ask(client, scenario).status_code == 403
    assert questions() == []
    login(client, firm)
    assert 'data-testid="ask-form"' in client.get(f"/scenarios/{scenario.id}").get_data(
        as_text=True
    )


def test_only_the_scenarios_publisher_answers(
    client: FlaskClient, publisher: User, firm: User, other_firm: User, scenario: Scenario
) -> None:
    question = asked(firm, scenario)
    login(client, firm)
    assert (
        client.post(f"/questions/{question.id}/answer", data={"answer": ANSWER}).status_code == 403
    )
    assert client.get(f"/questions/{question.id}/answer").status_code == 403
    login(client, make_user(make_org(Role.PUBLISHER)))
    assert client.get(f"/questions/{question.id}/answer").status_code == 404
    assert (
        client.post(f"/questions/{question.id}/answer", data={"answer": ANSWER}).status_code == 404
    )
    assert client.post("/questions/999999/answer", data={"answer": ANSWER}).status_code == 404
    db.session.refresh(question)
    assert question.status is QuestionStatus.PENDING
    # another publisher's list does not show it either
    assert QUESTION not in client.get("/my/questions").get_data(as_text=True)
    login(client, other_firm)
    assert QUESTION not in client.get("/my/questions").get_data(as_text=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写问题。"),
        ("   ", "请填写问题。"),
        ("问题？", "长度应为5至500个字。"),
        ("问" * 501, "长度应为5至500个字。"),
        ("是否接受\x00联合体？", "不能包含控制字符"),
    ],
    ids=["empty", "blank", "short", "long", "control"],
)
def test_bad_questions_are_refused_with_a_message_and_kept(
    client: FlaskClient, firm: User, scenario: Scenario, text: str, message: str
) -> None:
    login(client, firm)
    response = ask(client, scenario, text)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert questions() == []


def test_bad_answers_are_refused_with_a_message(
    client: FlaskClient, publisher: User, firm: User, scenario: Scenario
) -> None:
    question = asked(firm, scenario)
    login(client, publisher)
    for text, message in [
        ("", "请填写答复。"),
        ("答" * 2001, "长度应为2至2000个字。"),
        ("可以\x07", "不能包含控制字符"),
    ]:
        response = client.post(f"/questions/{question.id}/answer", data={"answer": text})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    db.session.refresh(question)
    assert question.status is QuestionStatus.PENDING
    assert question.answer is None


def test_asking_closes_with_the_deadline_and_answers_stay_visible(
    client: FlaskClient, publisher: User, firm: User, other_firm: User, scenario: Scenario
) -> None:
    engagements.apply(other_firm, scenario, "我们有成熟的道路病害识别产品。", None)
    question = asked(firm, scenario)
    late = asked(firm, scenario, "截止当天提出的问题还会答复吗？")
    services.answer(publisher, question, ANSWER)
    scenario.deadline = clock.today() - timedelta(days=1)
    db.session.commit()
    # the applicant still sees the scenario: the answer stays, asking is over
    login(client, other_firm)
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert ANSWER in page
    assert "提问已截止" in page
    assert 'data-testid="ask-form"' not in page
    response = ask(client, scenario, "截止以后还能提问吗？")
    assert "提问已截止" in response.get_data(as_text=True)
    assert "提问已截止" in client.get(f"/scenarios/{scenario.id}/questions").get_data(as_text=True)
    assert len(questions()) == 2
    # a question asked in time still gets its first answer; answers are no longer corrected
    login(client, publisher)
    client.post(f"/questions/{late.id}/answer", data={"answer": "会的，已答复。"})
    db.session.refresh(late)
    assert late.answer == "会的，已答复。"
    response = client.post(f"/questions/{question.id}/answer", data={"answer": "改一下答复"})
    assert "答复不能再修改" in response.get_data(as_text=True)
    db.session.refresh(question)
    assert question.answer == ANSWER
    with pytest.raises(DomainError, match="提问已截止"):
        services.ask(firm, scenario, "截止以后还能提问吗？")


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (ListingStatus.CLOSED, "该场景不在发布状态，不能提问"),
        (ListingStatus.WITHDRAWN, "该场景不在发布状态，不能提问"),
        (ListingStatus.EXPIRED, "提问已截止"),
    ],
)
def test_an_ended_scenario_takes_no_questions(
    client: FlaskClient, publisher: User, firm: User, status: ListingStatus, message: str
) -> None:
    scenario = make_scenario(publisher.organization)
    scenario.status = status
    db.session.commit()
    login(client, firm)
    response = ask(client, scenario)
    assert message in response.get_data(as_text=True)
    assert questions() == []
    login(client, publisher)  # the owner still sees the page, with why asking is over
    assert message in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)


def test_a_draft_says_nothing_of_closing(client: FlaskClient, publisher: User) -> None:
    draft = make_scenario(publisher.organization, status=ListingStatus.DRAFT)
    login(client, publisher)
    page = client.get(f"/scenarios/{draft.id}").get_data(as_text=True)
    assert "提问已截止" not in page
    assert "暂无公开答疑" in page


def test_a_draft_scenario_is_not_found(client: FlaskClient, publisher: User, firm: User) -> None:
    draft = make_scenario(publisher.organization, status=ListingStatus.DRAFT)
    login(client, firm)
    assert ask(client, draft).status_code == 404
    assert client.post(f"/scenarios/{draft.id}/follow", data={"on": "y"}).status_code == 404
    assert ask(client, Scenario(id=999999)).status_code == 404


def test_an_unapproved_firm_cannot_ask(client: FlaskClient, scenario: Scenario) -> None:
    pending = make_user(make_org(Role.FIRM, status=OrgStatus.PENDING))
    login(client, pending)
    assert "单位信息审核通过后即可提问" in client.get(f"/scenarios/{scenario.id}").get_data(
        as_text=True
    )
    response = ask(client, scenario)
    assert "只有审核通过的数字企业可以提问" in response.get_data(as_text=True)
    assert questions() == []


def test_a_double_post_asks_once(client: FlaskClient, firm: User, scenario: Scenario) -> None:
    login(client, firm)
    ask(client, scenario, submission=TOKEN)
    again = ask(client, scenario, submission=TOKEN)
    assert again.headers["Location"] == "/my/questions"
    assert len(questions()) == 1


def test_a_user_asks_at_most_ten_questions_a_day(
    client: FlaskClient, firm: User, scenario: Scenario
) -> None:
    for n in range(services.DAILY_LIMIT):
        asked(firm, scenario, f"第{n + 1}个问题：是否需要现场演示？")
    login(client, firm)
    response = ask(client, scenario)
    assert "24小时内最多提问10次" in response.get_data(as_text=True)
    assert len(questions()) == services.DAILY_LIMIT
    # a colleague has their own allowance
    colleague = make_user(firm.organization)
    login(client, colleague)
    assert ask(client, scenario).status_code == 302


def test_a_reviewer_hides_an_abusive_question(
    client: FlaskClient, admin: User, publisher: User, firm: User, scenario: Scenario
) -> None:
    question = asked(firm, scenario, "这个场景就是走过场，骗子单位！")
    answered = asked(firm, scenario)
    services.answer(publisher, answered, ANSWER)
    db.session.commit()
    login(client, firm)
    assert client.post(f"/questions/{question.id}/hide", data={"reason": "辱骂"}).status_code == 403
    login(client, publisher)
    assert client.post(f"/questions/{question.id}/hide", data={"reason": "辱骂"}).status_code == 403
    login(client, admin)
    listing = client.get("/review/questions").get_data(as_text=True)
    assert "骗子单位" in listing
    assert firm.name in listing
    response = client.post(f"/questions/{question.id}/hide", data={"reason": ""})
    assert response.headers["Location"] == "/review/questions"
    db.session.refresh(question)
    assert not question.is_hidden
    client.post(f"/questions/{question.id}/hide", data={"reason": "含有辱骂内容"})
    client.post(f"/questions/{answered.id}/hide", data={"reason": "重复提问"})
    assert audited("question_hide") == 2
    again = client.post(f"/questions/{answered.id}/hide", data={"reason": "重复提问"})
    assert again.status_code == 302  # said so, nothing changed
    assert client.post("/questions/999999/hide", data={"reason": "不存在"}).status_code == 404
    login(client, None)
    public = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert ANSWER not in public
    assert "骗子单位" not in public
    login(client, publisher)
    assert "骗子单位" not in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "骗子单位" not in client.get("/my/questions").get_data(as_text=True)
    assert client.get(f"/questions/{question.id}/answer").status_code == 404
    login(client, firm)
    mine = client.get("/my/questions").get_data(as_text=True)
    assert "已隐藏" in mine
    assert "含有辱骂内容" in mine


def test_anonymous_pages_get_no_form_and_no_cookie(client: FlaskClient, scenario: Scenario) -> None:
    response = client.get(f"/scenarios/{scenario.id}")
    assert "Set-Cookie" not in response.headers  # the page cache keeps only cookie-less pages


def test_policies_without_http(
    publisher: User, firm: User, admin: User, scenario: Scenario
) -> None:
    assert policies.can_ask(firm, scenario)
    assert not policies.can_ask(publisher, scenario)
    assert not policies.can_ask(admin, scenario)
    question = asked(firm, scenario)
    assert policies.can_answer(publisher, question)
    assert not policies.can_answer(firm, question)
    assert policies.can_hide(admin, question)
    assert not policies.can_hide(publisher, question)
    assert services.interested_users(scenario.id) == []


LOGIN = "login"
ROLES = ["anonymous", "publisher", "firm", "other_publisher", "reviewer", "sysadmin", "auditor"]
# the feature's endpoints crossed with each kind of visitor (the question is the firm's, on
# the publisher's scenario)
MATRIX = [
    ("GET", "/scenarios/{scenario}/questions", [LOGIN, 403, 200, 403, 403, 403, 403]),
    ("POST", "/scenarios/{scenario}/follow", [LOGIN, 403, 302, 403, 403, 403, 403]),
    ("GET", "/questions/{question}/answer", [LOGIN, 200, 403, 404, 403, 403, 403]),
    ("POST", "/questions/{question}/hide", [LOGIN, 403, 403, 403, 302, 403, 403]),
    ("GET", "/my/questions", [LOGIN, 200, 200, 200, 403, 403, 403]),
    ("GET", "/review/questions", [LOGIN, 403, 403, 403, 200, 403, 403]),
]


@pytest.mark.parametrize(("method", "template", "expected"), MATRIX, ids=[t for _, t, _ in MATRIX])
def test_access_matrix(
    client: FlaskClient,
    publisher: User,
    firm: User,
    admin: User,
    sysadmin: User,
    auditor: User,
    scenario: Scenario,
    method: str,
    template: str,
    expected: list[object],
) -> None:
    question = asked(firm, scenario)
    users = {
        "anonymous": None,
        "publisher": publisher,
        "firm": firm,
        "other_publisher": make_user(make_org(Role.PUBLISHER)),
        "reviewer": admin,
        "sysadmin": sysadmin,
        "auditor": auditor,
    }
    url = template.format(scenario=scenario.id, question=question.id)
    for role, want in zip(ROLES, expected, strict=True):
        login(client, users[role])
        response = client.open(url, method=method)
        if want == LOGIN:
            assert response.status_code == 302, role
            assert response.headers["Location"].startswith("/auth/login?next="), role
        else:
            assert response.status_code == want, role
