"""Prometheus metrics: requests and jobs as they happen, queues and job records when scraped.

Counters and histograms are kept per process; with PROMETHEUS_MULTIPROC_DIR set (gunicorn,
RQ workers) they live in files there and a scrape of any worker sums every process on the
machine (see app/ops/multiproc.py). Without it, one registry in this process (development).
Gauges of shared state (queue lengths, job records per status) are read at scrape time, so
they are right whichever worker answers.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from ipaddress import ip_address
from typing import Any

from flask import Flask, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector
from werkzeug.wrappers import Response

from app.config import ConfigError
from app.ops import multiproc
from app.runtime.proxy import Network, networks

logger = logging.getLogger(__name__)

_directory = multiproc.directory()
if _directory is not None:  # before any metric exists: its values then live in this slot's files
    values.ValueClass = values.MultiProcessValue(multiproc.Slots(_directory))

MIN_TOKEN_LENGTH = 16
# methods a client may invent are counted together, so they cannot create series at will
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REGISTRY = CollectorRegistry()  # this process's metrics (the single-process mode serves it)
REQUESTS = Counter(
    "jinan_http_requests",
    "HTTP requests answered, by endpoint (not path), method and status.",
    ("endpoint", "method", "status"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "jinan_http_request_duration_seconds",
    "Time from the first before_request to the response, by endpoint, method and status.",
    ("endpoint", "method", "status"),
    buckets=BUCKETS,
    registry=REGISTRY,
)
IN_PROGRESS = Gauge(
    "jinan_http_requests_in_progress",
    "Requests being handled now (all web workers busy: requests queue in front of gunicorn).",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
JOBS_STARTED = Counter(
    "jinan_jobs_started", "Job attempts started, by job.", ("job",), registry=REGISTRY
)
JOBS_SUCCEEDED = Counter(
    "jinan_jobs_succeeded", "Job attempts that succeeded, by job.", ("job",), registry=REGISTRY
)
JOBS_FAILED = Counter(
    "jinan_jobs_failed",
    "Job attempts that failed, by job; final is true when no retry is left.",
    ("job", "final"),
    registry=REGISTRY,
)


def _safely(record: Callable[[], Any]) -> None:
    """Record a metric; a failure to record never fails the request or the job."""
    try:
        record()
    except Exception:  # e.g. the multi-process directory was removed under us
        logger.warning("could not record a metric", exc_info=True)


# --- requests ---------------------------------------------------------------------------


def _start() -> None:
    g.metrics_started = time.perf_counter()
    g.metrics_in_progress = True
    _safely(IN_PROGRESS.inc)


def _observe(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        endpoint = request.url_rule.endpoint if request.url_rule else "none"
        method = request.method if request.method in METHODS else "other"
        labels = (endpoint, method, str(response.status_code))
        elapsed = time.perf_counter() - started
        _safely(lambda: REQUESTS.labels(*labels).inc())
        _safely(lambda: LATENCY.labels(*labels).observe(elapsed))
    return response


def _finish(_error: BaseException | None) -> None:
    if g.pop("metrics_in_progress", False):  # teardown runs even when an error ended it
        _safely(IN_PROGRESS.dec)


# --- jobs (called by app/jobs/runner.py) ------------------------------------------------


def job_started(name: str) -> None:
    """An attempt of a job began."""
    _safely(lambda: JOBS_STARTED.labels(name).inc())


def job_succeeded(name: str) -> None:
    """An attempt of a job succeeded."""
    _safely(lambda: JOBS_SUCCEEDED.labels(name).inc())


def job_failed(name: str, final: bool) -> None:
    """An attempt of a job failed; final when no retry is left."""
    _safely(lambda: JOBS_FAILED.labels(name, "true" if final else "false").inc())


# --- state read at scrape time ----------------------------------------------------------


def add_collector(app: Flask, collector: Any) -> None:
    """Read collector's gauges at every scrape (the jobs package adds its state this way)."""
    app.extensions.setdefault("metrics_collectors", []).append(collector)


def exposition(app: Flask) -> bytes:
    """The text a scrape receives: this machine's processes, then the state read now."""
    registry = CollectorRegistry()
    if multiproc.directory() is not None:
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    for collector in app.extensions.get("metrics_collectors", ()):
        registry.register(collector)
    return generate_latest(registry)


# --- who may scrape ---------------------------------------------------------------------


def allowed_networks(app: Flask) -> tuple[Network, ...]:
    """METRICS_ALLOWED, parsed at start-up."""
    return app.extensions["metrics_allowed"]


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def scraper_allowed() -> bool:
    """Whether this request may read /metrics: an allowed address, or the bearer token."""
    token = current_app.config["METRICS_TOKEN"]
    offered = _bearer()
    if token and offered and hmac.compare_digest(offered.encode(), token.encode()):
        return True
    try:
        # the client's address: the proxy's forwarded one when a trusted proxy sent it
        address = ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in allowed_networks(current_app))


def init_app(app: Flask) -> None:
    """Check the settings, and time every request."""
    token = app.config["METRICS_TOKEN"]
    if token and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(f"METRICS_TOKEN must be at least {MIN_TOKEN_LENGTH} characters")
    app.extensions["metrics_allowed"] = networks(app.config["METRICS_ALLOWED"], "METRICS_ALLOWED")
    app.before_request(_start)
    app.after_request(_observe)
    app.teardown_request(_finish)
