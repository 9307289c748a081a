"""Command-line tasks (thin: each calls a service and commits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app

from app import seed, taxonomy
from app.auth import services as auth
from app.engine_builds import maintenance
from app.errors import DomainError
from app.extensions import db
from app.models import ListingStatus, Role, Scenario
from app.recommendations import services as recommendations
from app.recommendations.levels import review_min_score
from app.runtime.sqlite import writing
from app.validators import password_error


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_accounts)
    app.cli.add_command(create_admin)
    app.cli.add_command(load_taxonomy)
    app.cli.add_command(match_group)
    app.cli.add_command(listings_group)
    from app.audit_log.cli import group as audit_group
    from app.jobs.cli import group as jobs_group
    from app.notifications.cli import group as notifications_group
    from app.ops.cli import group as backup_group
    from app.security.cli import group as sessions_group

    app.cli.add_command(notifications_group)
    app.cli.add_command(sessions_group)
    app.cli.add_command(jobs_group)
    app.cli.add_command(backup_group)
    app.cli.add_command(audit_group)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has data.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo organisations, listings, users and recommendations from seed/demo/."""
    if current_app.config["ENV_NAME"] == "production":
        # the demo accounts' passwords (and second factors) are published in the README
        raise click.ClickException(
            "生产环境（APP_ENV=production）不能加载演示数据：演示账号的密码是公开的。"
        )
    if not seed.database_is_empty():
        if if_empty:
            click.echo("数据库已有数据，跳过演示数据加载。")
            return
        raise click.ClickException("数据库不为空；演示数据只能加载到空数据库。")
    report = seed.load_demo(
        current_app.config["SEED_DIR"],
        min_score=review_min_score(),
        top=current_app.config["MATCH_TOP_N"],
    )
    db.session.commit()
    from app.open_data import backfill, exports  # the demo's listings are published directly

    released = backfill.backfill()  # their releases
    db.session.commit()
    # the downloads now: a refresh queued by this command would die with its process when
    # jobs run in-process (no REDIS_URL), and the 开放数据 page would stay empty until the
    # daily build
    with writing():
        files = exports.build_all()
    click.echo(
        f"已加载演示数据：单位 {report.organizations} 家，场景 {report.scenarios} 个，"
        f"能力 {report.capabilities} 项，用户 {report.users} 个，待审核推荐 {report.recommendations} 条，"
        f"示意对接 {report.engagements} 条，已发布批次 {report.batches} 个，"
        f"开放数据收录 {released} 条，下载文件 {len(files)} 个。"
    )


@click.command("demo-accounts")
def demo_accounts() -> None:
    """Print the demo accounts (development mode only)."""
    if current_app.config["ENV_NAME"] != "development":
        click.echo("非开发模式，不显示演示账号。")
        return
    click.echo("演示账号（仅开发模式显示）：")
    for account in seed.demo_accounts(current_app.config["SEED_DIR"]):
        org = f"  {account['organization']}" if account["organization"] else ""
        factor = f"  动态验证码密钥 {account['totp_secret']}" if account["totp_secret"] else ""
        click.echo(
            f"  {account['role']:<8} {account['email']:<26} 密码 {account['password']}{org}{factor}"
        )
    click.echo("打开 http://127.0.0.1:5000")


STAFF_ROLE_NAMES = {
    "system": Role.SYSADMIN,
    "security": Role.SECADMIN,
    "audit": Role.AUDITOR,
    "reviewer": Role.REVIEWER,
}


@click.command("create-admin")
@click.option("--email", prompt="邮箱", help="The staff member's e-mail (login).")
@click.option("--name", prompt="姓名", help="The staff member's name.")
@click.option(
    "--role",
    type=click.Choice(list(STAFF_ROLE_NAMES)),
    default="system",
    show_default=True,
    help="The duty: system (系统管理员), security (安全管理员), audit (审计管理员), reviewer (平台审核员).",
)
@click.password_option("--password", prompt="密码", confirmation_prompt="确认密码")
def create_admin(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account at installation (each duty its own account: 三权分立)."""
    error = password_error(password, email=email.strip())
    if error:
        raise click.ClickException(error)
    try:
        user = auth.create_admin(email.strip(), name.strip(), password, STAFF_ROLE_NAMES[role])
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"已创建{user.role.label} {email}。首次登录时须修改密码。")


@click.command("load-taxonomy")
def load_taxonomy() -> None:
    """Add taxonomy terms from seed/taxonomy.json that the database lacks."""
    added = taxonomy.load_taxonomy(current_app.config["SEED_DIR"] / "taxonomy.json")
    db.session.commit()
    click.echo(f"新增分类值 {added} 个。")


@click.group("match")
def match_group() -> None:
    """Matching tasks."""


@match_group.command("refresh")
def match_refresh() -> None:
    """Queue the engine's best pairs for every published scenario (existing pairs are kept)."""
    added = sum(
        recommendations.queue_for(
            scenario,
            min_score=review_min_score(),
            top=current_app.config["MATCH_TOP_N"],
        )
        for scenario in db.session.scalars(
            sa.select(Scenario).where(Scenario.status == ListingStatus.PUBLISHED)
        )
    )
    db.session.commit()
    click.echo(f"新增待审核推荐 {added} 条。")


@match_group.command("rebuild")
@click.option("--refeaturize", is_flag=True, help="Tokenise every listing again and store it.")
def match_rebuild(refeaturize: bool) -> None:
    """Build the engine and both indexes once for the deployment; every matcher switches to it."""
    with click.progressbar(
        length=1, label="重新分词并构建索引" if refeaturize else "构建索引"
    ) as bar:
        built = maintenance.build_and_publish(current_app, refeaturize, _advance(bar))
    sides = built.served.indexes
    click.echo(
        f"索引已重建：场景 {len(sides['scenario'])} 个，能力 {len(sides['capability'])} 项，"
        f"用时 {built.seconds:.1f} 秒（版本 {built.artifact.version}）；"
        "各匹配进程将自动切换到新索引。"
    )


@match_group.command("prune-feed")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Keep this many days.")
def match_prune_feed(days: int | None) -> None:
    """Delete change-feed rows older than MATCHING_FEED_DAYS (matchers further behind rebuild)."""
    removed = maintenance.prune_feed(days or current_app.config["MATCHING_FEED_DAYS"])
    db.session.commit()
    click.echo(f"已删除 {removed} 条过期的索引变更记录。")


def _advance(bar: Any) -> Callable[[int, int], None]:
    """A progress callback that moves a click progress bar."""

    def progress(done: int, total: int) -> None:
        if done < bar.pos:  # the next side of the market starts again from zero
            bar.pos = 0
        bar.length = max(total, done, 1)
        bar.update(done - bar.pos)

    return progress


@match_group.command("train")
def match_train() -> None:
    """Train a re-ranker on review decisions; it is activated only if it beats the base score."""
    from app.engine_builds import learning

    row = learning.train()
    db.session.commit()
    state = "已启用" if row.active else "未启用"
    click.echo(f"模型 {row.version}（样本 {row.trained_on} 条）{state}：{row.reason}")
    click.echo(f"  基础评分（检验集）：{row.base_metrics}")
    click.echo(f"  学习模型（检验集）：{row.learned_metrics}")


@match_group.command("calibrate")
def match_calibrate() -> None:
    """Refit the match-level calibration on the review decisions (approved = relevant)."""
    from app.recommendations import levels

    try:
        row = levels.refit()
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    ece = "—" if row.ece is None else f"{row.ece:.3f}"
    click.echo(
        f"已按 {row.pairs} 条审核决定（通过 {row.positives} 条）重新校准匹配等级："
        f"a={row.a:.3f} b={row.b:.3f}，交叉验证校准误差 {ece}；"
        f"审核队列门槛：匹配度 ≥ {review_min_score():.3f}。"
    )


@click.group("listings")
def listings_group() -> None:
    """Listing lifecycle tasks."""


@listings_group.command("expire")
def listings_expire() -> None:
    """Mark published scenarios past their application deadline as 已过期 (run daily)."""
    from app.listings import services as listings

    expired = listings.expire_due()
    db.session.commit()
    click.echo(f"已将 {len(expired)} 个超过申报截止日期的场景标记为已过期。")
    for scenario in expired:
        click.echo(f"  #{scenario.id} {scenario.title}（截止 {scenario.deadline}）")
