"""What the system tests share: PostgreSQL and Redis required, processes started for real."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

# Redis database 13: the system tests' own (the suite's Redis tests use 15)
SYSTEM_REDIS_URL = os.environ.get("TEST_TWO_MACHINES_REDIS_URL", "redis://127.0.0.1:6379/13")


def require(reason: str) -> None:
    """Skip, or fail where REQUIRE_TWO_MACHINES=1 (CI on PostgreSQL)."""
    if os.environ.get("REQUIRE_TWO_MACHINES") == "1":
        pytest.fail(f"REQUIRE_TWO_MACHINES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """A local port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(
    args: list[str], env: dict[str, str], cwd: Path, log: Path, group: bool = False
) -> subprocess.Popen[bytes]:
    """A process of the platform, its output in a log file (group: a process group of its own,
    so it can be killed with its children)."""
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(  # noqa: S603 - our own programs and arguments
            args,
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=group,
        )


@pytest.fixture
def database_url(app: Flask) -> str:
    """The suite's database, which must be PostgreSQL (machines share a database server)."""
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if not url.startswith("postgresql"):
        require("the system tests need PostgreSQL: set TEST_DATABASE_URL")
    return url


@pytest.fixture
def system_redis() -> Iterator[Redis]:
    """An empty Redis database for the processes of one test."""
    client = Redis.from_url(SYSTEM_REDIS_URL)
    try:
        client.ping()
    except RedisConnectionError:
        require(f"Redis not reachable at {SYSTEM_REDIS_URL}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(autouse=True)
def _database(database: None) -> None:
    """The suite's database, committed and wiped: the machines are other processes (`commits`)."""
