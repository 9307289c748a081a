"""Two app machines, simulated: each runs from a working directory of its own (no shared local
disk), with its gunicorn web tier and its matching process; one job worker; PostgreSQL and
Redis shared. What one machine writes, the other serves within seconds.

Runs on PostgreSQL with Redis (in CI: REQUIRE_TWO_MACHINES=1 turns a skip into a failure).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
import pytest
import sqlalchemy as sa
from redis import Redis

from app.config import ROOT
from app.extensions import db
from app.models import Capability, JobRun, ListingStatus, Role, Scenario, User
from tests import files
from tests.factories import PASSWORD, make_capability, make_org, make_scenario, make_user
from tests.integration.test_excel_import import scenario_row, workbook_bytes
from tests.system.conftest import SYSTEM_REDIS_URL, free_port, start

# other processes read what the test writes
pytestmark = pytest.mark.commits

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
FRESH_WITHIN = 10.0  # seconds: what the platform promises for a publication or a withdrawal
COPIED = ("app", "migrations", "seed", "static", "deploy", "pyproject.toml")


@dataclass
class Machine:
    """One app machine: its own copy of the code, instance folder, web tier and matching."""

    name: str
    root: Path
    web_port: int
    processes: list[subprocess.Popen[bytes]]

    @property
    def url(self) -> str:
        """Where its web tier answers."""
        return f"http://127.0.0.1:{self.web_port}"

    def client(self) -> httpx.Client:
        """A browser of this machine (cookies of its own)."""
        return httpx.Client(base_url=self.url, timeout=30, follow_redirects=False)


def _environment(database_url: str, root: Path, matching_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(root),  # this machine's copy of the code, not the checkout
        "APP_ENV": "development",
        "SECRET_KEY": "two-machines-secret-key-0000000000000000",
        "DATABASE_URL": database_url,
        "REDIS_URL": SYSTEM_REDIS_URL,
        "MATCHING_URL": f"http://127.0.0.1:{matching_port}",
        "MATCHING_BIND": f"127.0.0.1:{matching_port}",
        "MATCHING_POLL_SECONDS": "0.5",
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "warning",
    }


def _wait_ready(url: str, machine: Machine, timeout: float = 120.0) -> None:
    """Until /readyz (database, Redis and the machine's matching process) answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        for process in machine.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{machine.name}: a process exited ({process.args})")
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{machine.name} not ready within {timeout:.0f} s")


@pytest.fixture
def machines(
    database_url: str, system_redis: Redis, tmp_path: Path
) -> Iterator[tuple[Machine, Machine]]:
    """Machines A and B, and one job worker, on the suite's PostgreSQL database and Redis."""
    built: list[Machine] = []
    try:
        for name in ("machine-a", "machine-b"):
            root = tmp_path / name
            root.mkdir()
            for entry in COPIED:
                source = ROOT / entry
                if source.is_dir():
                    shutil.copytree(
                        source, root / entry, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy2(source, root / entry)
            web_port, matching_port = free_port(), free_port()
            env = _environment(database_url, root, matching_port)
            processes = [
                start(
                    [GUNICORN, "-c", "deploy/gunicorn-matching.conf.py"],
                    env,
                    root,
                    tmp_path / f"{name}-matching.log",
                ),
                start(
                    [
                        GUNICORN,
                        "-c",
                        "deploy/gunicorn.conf.py",
                        "--bind",
                        f"127.0.0.1:{web_port}",
                        "app.wsgi:app",
                    ],
                    env,
                    root,
                    tmp_path / f"{name}-web.log",
                ),
            ]
            built.append(Machine(name, root, web_port, processes))
        worker_env = _environment(database_url, built[0].root, 0)
        built[0].processes.append(
            start(
                [sys.executable, "-m", "flask", "--app", "app", "jobs", "worker"],
                worker_env,
                built[0].root,
                tmp_path / "worker.log",
            )
        )
        for machine in built:
            _wait_ready(machine.url, machine)
        yield built[0], built[1]
    finally:
        for machine in built:
            for process in machine.processes:
                process.terminate()
            for process in machine.processes:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(machine: Machine, email: str) -> httpx.Client:
    """A browser of the machine, signed in through its login form."""
    browser = machine.client()
    token = _csrf(browser.get("/auth/login").text)
    answer = browser.post(
        "/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.text
    if answer.headers["Location"] == "/auth/second-factor":  # staff: enrol or type a code
        page = browser.get("/auth/second-factor").text
        enrolling = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page)
        if enrolling:
            TOTP_SECRETS[email] = enrolling.group(1)
        code = pyotp.TOTP(TOTP_SECRETS[email]).now()
        answer = browser.post("/auth/second-factor", data={"code": code, "csrf_token": _csrf(page)})
        assert answer.status_code == 302, answer.text
    return browser


# the second factors the staff of these tests enrolled, by e-mail
TOTP_SECRETS: dict[str, str] = {}


def within(seconds: float, check: Callable[[], bool], what: str) -> float:
    """How long until check() holds; fails after `seconds`."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"{what}: not within {seconds:.0f} s"
        time.sleep(0.2)
    return time.monotonic() - started


@dataclass
class World:
    """What the test starts from, by id and e-mail (never objects of the suite's session)."""

    admin: str
    publisher: str
    firm: str
    scenario_id: int
    capability_id: int
    capability_title: str
    draft_id: int  # a draft of the firm's, whose attachments it may still change


@pytest.fixture
def world() -> World:
    """A published scenario, and a firm's capability for it waiting for review."""
    publisher = make_user(make_org(Role.PUBLISHER), email="pub@two.example.com")
    firm = make_user(make_org(Role.FIRM, is_local=True), email="firm@two.example.com")
    admin = make_user(None, Role.REVIEWER, email="admin@two.example.com")
    scenario = make_scenario(publisher.organization, title="渣土车夜间违规运输监管")
    capability = make_capability(
        firm.organization,
        ListingStatus.PENDING,
        title="渣土车智能监管平台",
        description="渣土车北斗定位与车载视频，夜间违规运输、抛洒滴漏自动识别，工地出入口联动。",
        keywords="渣土车、夜间运输、抛洒",
    )
    draft = make_capability(firm.organization, ListingStatus.DRAFT, title="工地扬尘监测终端")
    return World(
        admin.email,
        publisher.email,
        firm.email,
        scenario.id,
        capability.id,
        capability.title,
        draft.id,
    )


def test_what_one_machine_writes_the_other_serves(
    machines: tuple[Machine, Machine], world: World
) -> None:
    a, b = machines

    # an administrator publishes the capability through machine A
    admin_on_a = sign_in(a, world.admin)
    queue = admin_on_a.get("/review/listings").text
    decided = admin_on_a.post(
        f"/review/capabilities/{world.capability_id}/decide",
        data={"decision": "approve", "csrf_token": _csrf(queue)},
    )
    assert decided.status_code == 302

    # machine B finds it in search (anonymous, page cache included) and recommends it
    anonymous_on_b = b.client()
    searched = within(
        FRESH_WITHIN,
        lambda: world.capability_title in anonymous_on_b.get("/capabilities?q=渣土车").text,
        "searchable on machine B",
    )
    publisher_on_b = sign_in(b, world.publisher)
    recommended = within(
        FRESH_WITHIN,
        lambda: (
            world.capability_title in publisher_on_b.get(f"/scenarios/{world.scenario_id}").text
        ),
        "recommended on machine B",
    )
    print(f"searchable on B after {searched:.1f} s, recommended after {recommended:.1f} s")

    # an attachment uploaded through A downloads through B
    firm_on_a, firm_on_b = sign_in(a, world.firm), sign_in(b, world.firm)
    url = f"/my/capabilities/{world.draft_id}/attachments"
    uploaded = firm_on_a.post(
        url,
        data={"csrf_token": _csrf(firm_on_a.get(url).text)},
        files={"file": ("产品白皮书.pdf", files.pdf(), "application/pdf")},
    )
    assert uploaded.status_code == 302
    download = re.search(r'href="(/attachments/\d+)"', firm_on_b.get(url).text)
    assert download, "machine B lists the attachment"
    fetched = firm_on_b.get(download.group(1))
    assert fetched.status_code == 200
    assert fetched.content == files.pdf()

    # an import previewed through A is confirmed through B and run by the worker
    publisher_on_a = sign_in(a, world.publisher)
    form = publisher_on_a.get("/imports/").text
    rows = [scenario_row(n) for n in (1, 2, 3)]
    previewed = publisher_on_a.post(
        "/imports/",
        data={"csrf_token": _csrf(form)},
        files={"file": ("场景.xlsx", workbook_bytes("scenario", rows), "application/octet-stream")},
    )
    assert previewed.status_code == 302
    preview_url = previewed.headers["Location"]
    preview = publisher_on_b.get(preview_url).text  # the preview is readable on B too
    confirmed = publisher_on_b.post(f"{preview_url}/confirm", data={"csrf_token": _csrf(preview)})
    assert confirmed.status_code == 302
    status_url = confirmed.headers["Location"]
    within(
        60,
        lambda: "已导入3条场景（草稿）" in publisher_on_a.get(status_url).text,
        "the import done by the worker",
    )
    with db.engine.connect() as connection:
        imported = connection.scalar(
            sa.select(sa.func.count())
            .select_from(Scenario)
            .where(Scenario.status == ListingStatus.DRAFT)
        )
        runs = connection.scalar(
            sa.select(sa.func.count()).select_from(JobRun).where(JobRun.name == "excel.import")
        )
    assert (imported, runs) == (3, 1)

    # withdrawn through B: gone from A's search and from recommendations too
    firm_page = firm_on_b.get(f"/capabilities/{world.capability_id}").text
    closed = firm_on_b.post(
        f"/my/capabilities/{world.capability_id}/close",
        data={"reason": "产品升级，暂停对外", "csrf_token": _csrf(firm_page), **_lock(firm_page)},
    )
    assert closed.status_code == 302
    within(
        FRESH_WITHIN,
        lambda: world.capability_title not in a.client().get("/capabilities?q=渣土车").text,
        "withdrawn from search on machine A",
    )
    publisher_on_a = sign_in(a, world.publisher)
    within(
        FRESH_WITHIN,
        lambda: (
            world.capability_title not in publisher_on_a.get(f"/scenarios/{world.scenario_id}").text
        ),
        "withdrawn from recommendations on machine A",
    )
    for client in (
        admin_on_a,
        anonymous_on_b,
        publisher_on_b,
        firm_on_a,
        firm_on_b,
        publisher_on_a,
    ):
        client.close()
    with db.engine.connect() as connection:
        assert (
            connection.scalar(
                sa.select(Capability.status).where(Capability.id == world.capability_id)
            )
            is ListingStatus.CLOSED
        )
        assert connection.scalar(sa.select(sa.func.count()).select_from(User)) == 3


def _lock(page: str) -> dict[str, str]:
    """The lock version a listing's own forms carry (optimistic locking)."""
    found = re.search(r'name="lock_version"[^>]*value="(\d+)"', page)
    return {"lock_version": found.group(1)} if found else {}
