"""Driving real servers for the web benchmark: gunicorn processes, wrk, memory and start times.

Nothing here knows about the platform's pages: tooling/bench/web.py says what to serve and ask.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.config import ROOT

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WEB_CONFIG = str(ROOT / "deploy" / "gunicorn.conf.py")
MATCHING_CONFIG = str(ROOT / "deploy" / "gunicorn-matching.conf.py")


@dataclass(frozen=True)
class Load:
    """What wrk measured for one URL (or one script of URLs)."""

    name: str
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # connection errors, timeouts and non-2xx/3xx answers


class Server:
    """A gunicorn master and its workers, started for a benchmark and stopped after it."""

    def __init__(self, args: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.handle = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, our arguments
            [GUNICORN, *args], env=env, cwd=ROOT, stdout=self.handle, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        """The master's process id."""
        return self.process.pid

    def workers(self) -> list[int]:
        """The master's worker processes."""
        found = subprocess.run(  # noqa: S603 -- pgrep by absolute path, a pid argument
            ["/usr/bin/pgrep", "-P", str(self.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), then for good."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.handle.close()


def serve_web(target: str, port: int, env: dict[str, str], workers: int | None = None) -> Server:
    """The web tier's gunicorn (deploy/gunicorn.conf.py) serving `target` on 127.0.0.1."""
    args = ["-c", WEB_CONFIG, "--bind", f"127.0.0.1:{port}"]
    if workers:
        args += ["--workers", str(workers)]
    log = Path(tempfile.gettempdir()) / f"bench-{port}.log"
    return Server([*args, target], env, log)


def serve_matching(port: int, env: dict[str, str]) -> Server:
    """A matching process (deploy/gunicorn-matching.conf.py) on 127.0.0.1."""
    log = Path(tempfile.gettempdir()) / f"bench-matching-{port}.log"
    return Server(["-c", MATCHING_CONFIG, "--bind", f"127.0.0.1:{port}"], env, log)


def wait_until_ok(url: str, timeout: float = 600.0, cookies: dict[str, str] | None = None) -> float:
    """Seconds until `url` first answers 200 (raises after `timeout`)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            if httpx.get(url, timeout=30, cookies=cookies).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f} s")


_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _errors(text: str) -> int:
    errors = 0
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    if socket:
        errors += sum(int(n) for n in socket.groups())
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return errors + (int(bad.group(1)) if bad else 0)


def parse_wrk(name: str, target: str, text: str) -> Load:
    """wrk --latency output as numbers."""
    latency = {int(q): float(v) * _UNIT_MS[u] for q, v, u in _LATENCY.findall(text)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    if rps is None or total is None or set(latency) != {50, 99}:
        raise ValueError(f"wrk printed something unexpected for {name}:\n{text}")
    return Load(
        name,
        target,
        float(rps.group(1)),
        latency[50],
        latency[99],
        int(total.group(1)),
        _errors(text),
    )


def wrk(
    name: str,
    url: str,
    seconds: int,
    connections: int,
    headers: Sequence[str] = (),
    script: Path | None = None,
) -> Load:
    """Load one URL (or what a Lua script asks for) with wrk and parse what it measured."""
    args = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for header in headers:
        args += ["-H", header]
    if script is not None:
        args += ["-s", str(script)]
    done = subprocess.run(  # noqa: S603 - wrk with our arguments
        [*args, url], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    return parse_wrk(name, str(script.name if script else url), done.stdout)


def lua_paths(paths: Sequence[str], cookie: str | None = None) -> str:
    """A wrk script that asks for the paths in turn (each connection from its own offset)."""
    quoted = ",\n  ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    header = f'wrk.headers["Cookie"] = "{cookie}"\n' if cookie else ""
    return (
        f"{header}local paths = {{\n  {quoted}\n}}\n"
        "local n = 0\n"
        "function init(args) n = math.random(#paths) end\n"
        "function request()\n"
        "  n = n % #paths + 1\n"
        "  return wrk.format(nil, paths[n])\n"
        "end\n"
    )
