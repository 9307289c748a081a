"""The operator's commands: demo data, demo accounts, the first administrator, the match queue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app import clock
from app.config import ROOT
from app.extensions import db
from app.models import (
    AuditEvent,
    Batch,
    BatchKind,
    Capability,
    Organization,
    Recommendation,
    Role,
    Scenario,
    User,
)
from app.seed import SeedError, load_demo
from app.validators import uscc_error


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_seed_demo_loads_a_populated_platform_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "已加载演示数据" in result.output
    publishers = db.session.scalars(
        sa.select(Organization).where(Organization.role == Role.PUBLISHER)
    ).all()
    firms = db.session.scalars(sa.select(Organization).where(Organization.role == Role.FIRM)).all()
    assert len(publishers) >= 15
    assert len(firms) >= 40
    assert count(Scenario) >= 60
    assert count(Capability) >= 150
    assert all(uscc_error(f.uscc) is None for f in firms)
    assert any(not f.is_local for f in firms)
    assert any(f.is_local for f in firms)
    domains = set(db.session.scalars(sa.select(Scenario.domain)))
    assert len(domains) == 14, "scenarios across all domains"
    assert count(Recommendation) > 0, "the review queue is filled"
    assert {u.role for u in db.session.scalars(sa.select(User))} == set(Role)
    assert "已发布批次 1 个" in result.output
    downloads = app.test_client().get("/api/v1/downloads").get_json()
    assert {"scenarios.csv", "capabilities.jsonl.gz"} <= {f["name"] for f in downloads["files"]}
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "跳过" in again.output
    assert count(Scenario) >= 60
    assert count(Batch) == 1, "a second run adds no second batch"
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0
    assert "数据库不为空" in refused.output


@pytest.mark.usefixtures("frozen_clock")  # the batch's title names the year
def test_the_demo_has_a_published_batch_on_the_home_page(app: Flask) -> None:
    load_demo(ROOT / "seed", min_score=0.2, top=5)
    db.session.commit()
    batch = db.session.scalars(sa.select(Batch)).one()
    title = f"{clock.today().year}年第一批场景机会清单"
    assert (batch.kind, batch.number, batch.title) == (BatchKind.SCENARIO, 1, title)
    assert batch.publish_on == clock.today()
    assert 10 <= len(batch.items) <= 15
    listed = [item.scenario for item in batch.items]
    assert all(s is not None and s.is_published for s in listed)
    assert len({s.domain for s in listed}) >= 10, "a batch across the city's domains"
    # published as an administrator would: numbered, titled and audited
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.subject_type == "batches")
    ).all()
    assert sorted(actions) == ["create", "edit", "publish"]
    home = app.test_client().get("/").get_data(as_text=True)
    assert 'data-testid="newest-batch"' in home
    assert f'最新发布：<a href="/batches/{batch.id}">{title}</a>' in home
    assert "共12项" in home
    page = app.test_client().get(f"/batches/{batch.id}").get_data(as_text=True)
    assert all(s.title in page for s in listed)


def test_demo_batches_naming_an_unknown_scenario_are_refused(app: Flask, tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    (seed / "demo").mkdir(parents=True)
    (seed / "taxonomy.json").write_text(
        (ROOT / "seed" / "taxonomy.json").read_text("utf-8"), "utf-8"
    )
    for name in ("publishers", "firms", "scenarios", "users"):
        (seed / "demo" / f"{name}.json").write_text(
            (ROOT / "seed" / "demo" / f"{name}.json").read_text("utf-8"), "utf-8"
        )
    (seed / "demo" / "capabilities.json").write_text("[]", "utf-8")
    batch = {"intro": "", "scenarios": ["政务大模型辅助公文办理", "不存在的场景"]}
    (seed / "demo" / "batches.json").write_text(json.dumps({"scenario_batches": [batch]}), "utf-8")
    with pytest.raises(SeedError, match="不存在的场景"):
        load_demo(seed, min_score=0.1, top=5)


def test_demo_data_naming_an_unknown_publisher_is_refused(app: Flask, tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    (seed / "demo").mkdir(parents=True)
    (seed / "taxonomy.json").write_text(
        (ROOT / "seed" / "taxonomy.json").read_text("utf-8"), "utf-8"
    )
    for name in ("publishers", "firms", "capabilities", "users"):
        (seed / "demo" / f"{name}.json").write_text("[]", "utf-8")
    scenario = json.loads((ROOT / "seed" / "demo" / "scenarios.json").read_text("utf-8"))[0]
    scenario["publisher"] = "不存在的单位"
    (seed / "demo" / "scenarios.json").write_text(json.dumps([scenario]), "utf-8")
    with pytest.raises(SeedError, match="不存在的单位"):
        load_demo(seed, min_score=0.1, top=5)


def test_demo_accounts_are_printed_only_in_development(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert "不显示演示账号" in runner.invoke(args=["demo-accounts"]).output  # testing mode
    app.config["ENV_NAME"] = "development"
    try:
        output = runner.invoke(args=["demo-accounts"]).output
    finally:
        app.config["ENV_NAME"] = "testing"
    assert "admin@example.com" in output
    assert "Shenhe-2026-Demo" in output
    assert "动态验证码密钥 REVIEWERDEMOTOTPJINANPLATFORMSEC" in output


def test_demo_staff_accounts_have_their_published_second_factor(app: Flask) -> None:
    from app.auth import totp

    app.test_cli_runner().invoke(args=["seed-demo"])
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
    assert admin.has_second_factor
    assert totp.secret_of(admin) == "REVIEWERDEMOTOTPJINANPLATFORMSEC"
    firm = db.session.scalar(sa.select(User).where(User.email == "firm@example.com"))
    assert firm.totp_secret_encrypted is None


def test_create_admin_makes_a_system_administrator_and_refuses_weak_or_duplicate(
    app: Flask,
) -> None:
    runner = app.test_cli_runner()
    args = ["create-admin", "--email", "Ops@Example.com", "--name", "运维", "--password"]
    weak = runner.invoke(args=[*args, "short"])
    assert weak.exit_code != 0
    assert "密码长度应为12至128位" in weak.output
    named = runner.invoke(args=[*args, "Ops-Leader-2026"])
    assert named.exit_code != 0
    assert "不能包含登录邮箱" in named.output
    ok = runner.invoke(args=[*args, "Str0ng-Key-Yard9"])
    assert ok.exit_code == 0, ok.output
    user = db.session.scalar(sa.select(User).where(User.email == "ops@example.com"))
    assert user.role is Role.SYSADMIN
    assert user.organization_id is None
    assert user.active
    assert user.role_granted_at is not None
    assert user.check_password("Str0ng-Key-Yard9")
    again = runner.invoke(args=[*args, "Str0ng-Key-Yard9"])
    assert again.exit_code != 0
    assert "该邮箱已存在" in again.output


def test_match_refresh_adds_only_new_pairs(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    before = count(Recommendation)
    result = runner.invoke(args=["match", "refresh"])
    assert result.exit_code == 0
    assert "新增待审核推荐 0 条" in result.output
    assert count(Recommendation) == before


def test_match_rebuild_retokenises_and_tells_every_worker(app: Flask) -> None:
    from app.models import MatchChange

    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    db.session.execute(sa.update(Scenario).values(features=None))
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.max(MatchChange.id)))
    result = runner.invoke(args=["match", "rebuild", "--refeaturize"])
    assert result.exit_code == 0, result.output
    assert "索引已重建：场景 60 个，能力 150 项" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).where(Scenario.features.is_(None))) == 0
    assert db.session.scalar(sa.select(sa.func.max(MatchChange.id))) > before


def test_match_train_reports_its_decision(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["match", "train"])
    assert result.exit_code == 0, result.output
    assert "未启用" in result.output


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("security", Role.SECADMIN),
        ("audit", Role.AUDITOR),
        ("reviewer", Role.REVIEWER),
    ],
)
def test_create_admin_creates_each_separated_duty(app: Flask, name: str, role: Role) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "create-admin",
            "--email",
            f"{name}@example.org",
            "--name",
            "职员",
            "--role",
            name,
            "--password",
            "Str0ng-Key-Yard9",
        ]
    )
    assert result.exit_code == 0, result.output
    assert role.label in result.output
    user = db.session.scalar(sa.select(User).where(User.email == f"{name}@example.org"))
    assert user.role is role
