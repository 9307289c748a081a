"""`flask sessions end EMAIL`: sign a user out on every machine (an operator's emergency brake)."""

from __future__ import annotations

import click
import sqlalchemy as sa

from app import audit
from app.extensions import db
from app.models import User
from app.security import sessions


@click.group("sessions")
def group() -> None:
    """Signed-in sessions."""


@group.command("end")
@click.argument("email")
def end(email: str) -> None:
    """End every session of the user with this e-mail, on every machine."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"没有邮箱为 {email} 的账号。")
    sessions.end_all(user, "operator")
    audit.record_event("sessions_end", subject_id=user.id, note="flask sessions end")
    db.session.commit()
    click.echo(f"已结束 {user.email} 的全部登录会话，其在所有机器上都需重新登录。")
