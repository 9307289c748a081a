"""The deployment kit stays true to the code: variables, commands and limits it names exist."""

from __future__ import annotations

import re
import shlex
from configparser import ConfigParser
from pathlib import Path

import pytest
from flask import Flask

from app.config import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
# read by the code but not for operators: the suite's database, and a marker gunicorn.conf.py
# sets for itself to remember that it made the metrics directory
INTERNAL = {"TEST_DATABASE_URL", "JINAN_PRIVATE_METRICS_DIR"}
READS = re.compile(r"""(?:env_\w+|os\.environ\.get|os\.environ\[)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")


def variables_read() -> set[str]:
    """Every environment variable the configuration and the gunicorn settings read."""
    sources = [ROOT / "app" / "config.py", DEPLOY / "gunicorn.conf.py"]
    found = {name for path in sources for name in READS.findall(path.read_text())}
    assert {"DATABASE_URL", "SECRET_KEY", "WEB_BIND", "METRICS_TOKEN"} <= found, "the pattern works"
    return found - INTERNAL


def test_the_environment_file_example_lists_every_variable() -> None:
    example = (DEPLOY / "jinan.env.example").read_text()
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert variables_read() - listed == set()


def test_the_readme_table_lists_every_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    first_cells = [line.split(" | ")[0] for line in readme.splitlines() if line.startswith("| `")]
    table = {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}
    assert variables_read() - table == set()


def unit(path: Path) -> ConfigParser:
    """A systemd unit file, read as an INI file."""
    parser = ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string(path.read_text())
    return parser


@pytest.mark.parametrize("path", UNITS, ids=[p.name for p in UNITS])
def test_every_unit_runs_as_the_service_user_with_the_environment_file(path: Path) -> None:
    service = unit(path)["Service"]
    assert service["User"] == "jinan"
    assert service["EnvironmentFile"] == "/etc/jinan/jinan.env"
    assert service["WorkingDirectory"] == "/srv/jinan"


def test_the_web_unit_reloads_gracefully_with_the_gunicorn_settings() -> None:
    service = unit(DEPLOY / "systemd" / "jinan-web.service")["Service"]
    assert "-c deploy/gunicorn.conf.py" in service["ExecStart"]
    assert (DEPLOY / "gunicorn.conf.py").is_file()
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"


def test_the_matching_unit_uses_the_matching_gunicorn_settings() -> None:
    service = unit(DEPLOY / "systemd" / "jinan-matching.service")["Service"]
    assert "-c deploy/gunicorn-matching.conf.py" in service["ExecStart"]


FLASK_UNITS = ["jinan-worker@.service", "jinan-scheduler.service", "jinan-backup.service"]


@pytest.mark.parametrize("name", FLASK_UNITS)
def test_flask_units_run_commands_that_exist(app: Flask, name: str) -> None:
    command = shlex.split(unit(DEPLOY / "systemd" / name)["Service"]["ExecStart"])
    assert command[:3] == ["/srv/jinan/.venv/bin/flask", "--app", "app"]
    words = [w for w in command[3:] if not w.startswith(("-", "$"))]
    found = app.cli.get_command(None, words[0])  # type: ignore[arg-type]
    assert found is not None, words[0]
    assert found.get_command(None, words[1]) is not None, words  # type: ignore[attr-defined]


def megabytes(size: str) -> int:
    """An nginx size ("11m") in bytes."""
    number, unit_ = re.fullmatch(r"(\d+)([km]?)", size).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit_]


def test_the_proxy_lets_through_what_the_app_accepts() -> None:
    from app.config import Config
    from app.excel.views import UPLOAD_MAX_MB

    conf = (DEPLOY / "nginx" / "jinan.conf").read_text()
    sizes = re.findall(r"client_max_body_size (\w+);", conf)
    general, imports = megabytes(sizes[0]), megabytes(sizes[1])
    assert general >= Config.MAX_CONTENT_LENGTH
    assert imports >= UPLOAD_MAX_MB * 1024 * 1024
    assert "location = /metrics" in conf
    assert "X-Request-ID      $request_id" in (DEPLOY / "nginx" / "jinan-proxy.conf").read_text()
