"""The public pages' names, written once: the header, the footer and the 网站地图 read them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from app.i18n import N_
from app.models import Role, User
from app.security.access import PUBLIC, gate_for
from app.security.policies import Visitor


@dataclass(frozen=True)
class Link:
    """A page and the label people know it by (Chinese; templates show it with |translate)."""

    endpoint: str
    label: str


@dataclass(frozen=True)
class Section:
    """A group of pages in the 网站地图."""

    title: str  # Chinese, marked with N_(); templates show it with |translate
    links: tuple[Link, ...]


MAIN = (
    Link("portal.index", N_("首页")),
    Link("portal.scenarios", N_("场景机会")),
    Link("portal.capabilities", N_("能力清单")),
    Link("batches.index", N_("批次清单")),
    Link("cases.index", N_("优秀案例")),
    Link("industry.index", N_("产业图谱")),
    Link("dashboard.public", N_("数据看板")),
)
ACCOUNT = (
    Link("auth.login", N_("登录")),
    Link("auth.register", N_("注册")),
    Link("auth.forgot", N_("找回密码")),
)
SITE_INFO = (
    Link("site.help", N_("帮助中心")),
    Link("site.sitemap", N_("网站地图")),
    Link("site.privacy", N_("隐私声明")),
    Link("site.terms", N_("使用条款")),
    Link("open_data.index", N_("开放数据")),
)
SECTIONS = (
    Section(N_("栏目"), MAIN),
    Section(N_("用户服务"), ACCOUNT),
    Section(N_("网站信息"), SITE_INFO),
)
# the signed-in person's own pages, after the public ones in the header
ROLE_LINKS: dict[Role, tuple[Link, ...]] = {
    Role.REVIEWER: (Link("review.index", N_("审核中心")),),
    Role.SYSADMIN: (Link("staff.accounts", N_("系统管理")),),
    Role.SECADMIN: (Link("staff.roles", N_("安全管理")),),
    Role.AUDITOR: (Link("audit_log.index", N_("审计日志")),),
    Role.PUBLISHER: (
        Link("workspace.index", N_("工作台")),
        Link("engagements.mine", N_("我的对接")),
    ),
    Role.FIRM: (Link("workspace.index", N_("工作台")), Link("engagements.mine", N_("我的对接"))),
}


def header_links(user: Visitor) -> tuple[Link, ...]:
    """The header's navigation for this visitor: the public pages, then their role's."""
    if not isinstance(user, User):  # the anonymous visitor is Flask-Login's stand-in
        return MAIN
    return MAIN + ROLE_LINKS.get(user.role, ())


def public_pages(app: Flask) -> set[str]:
    """Endpoints anyone may open with a plain GET and no URL arguments (pages and files)."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if gate_for(rule.endpoint) == PUBLIC
        and "GET" in (rule.methods or ())
        and not rule.arguments
    }


def sitemap(app: Flask) -> list[Section]:
    """The sections of the 网站地图: each labelled page that exists and is public."""
    pages = public_pages(app)
    sections = [
        Section(s.title, tuple(link for link in s.links if link.endpoint in pages))
        for s in SECTIONS
    ]
    return [s for s in sections if s.links]
