"""gunicorn settings of the web tier (`make serve`, `make run`, deploy/systemd/jinan-web.service).

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS. Reload the code
gracefully with `kill -HUP <master pid>` (systemctl reload): new workers start with the new code
while the old ones finish their requests.
"""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
# WEB_CONCURRENCY is the convention platforms use; 2 × cores + 1 by default
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"  # the reverse proxy buffers slow clients; pages do not stream
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))  # a worker silent this long is replaced
graceful_timeout = 30  # on reload or stop, requests in flight get this long to finish
keepalive = 5
# recycle workers now and then (a slow leak never grows without bound). A new worker takes
# about 1.5 s to import the app and load jieba: the wide jitter keeps workers that started
# together from being replaced together (with 2000 ± 200 all five went at once under load,
# and every waiting request stalled for that second and a half)
max_requests = 10000
max_requests_jitter = 5000
# the workers' heartbeat files: in memory, so a busy disk never gets a worker killed
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# the app decides which proxies to believe (TRUSTED_PROXIES); gunicorn itself believes none
forwarded_allow_ips = ""
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logger_class = "app.runtime.access_log.JsonAccessLogger"
proc_name = "jinan-web"
# gunicorn's control socket has one path per user: the web and matching servers of a machine
# would share it. systemd and `kill -HUP` manage the server; the socket is not needed.
control_socket_disable = True

# Prometheus metrics of every worker, summed at each scrape (app/ops/metrics.py). Without a
# directory from the environment (/run/jinan/metrics in production, shared with the job
# workers of the machine) the master makes a private one, so `make run` counts correctly too.
# Set before the workers start: prometheus_client reads it when the app is imported. (A HUP
# reads this file again with the variable set: the environment remembers whose it is.)
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="jinan-metrics-")
    os.environ["JINAN_PRIVATE_METRICS_DIR"] = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    """Start counting from zero: remove the files no running process holds."""
    from pathlib import Path

    from app.ops import multiproc

    removed = multiproc.clean(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]))
    server.log.info("metrics: %s stale files removed", removed)


def post_worker_init(worker):
    """Load jieba's dictionary before this worker takes its first request (app/search/warm.py)."""
    from app.search.warm import warm

    try:
        warm(worker.wsgi)
    except Exception:  # the database may be away: the first search then loads it instead
        worker.log.exception("warm-up failed; the first search will load the dictionary")


def worker_exit(server, worker):
    """A worker leaving: the jobs it runs in-process (without Redis) finish first."""
    from app.jobs.dispatch import finish_local

    if getattr(worker, "wsgi", None) is not None:  # None when the app failed to load
        finish_local(worker.wsgi)


def child_exit(server, worker):
    """A worker ended: its in-progress gauge goes; its counters stay for its successor."""
    from pathlib import Path

    from app.ops import multiproc

    multiproc.process_exited(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]), worker.pid)


def on_exit(server):
    """Remove the private metrics directory, if the master made one."""
    private = os.environ.get("JINAN_PRIVATE_METRICS_DIR")
    if private:
        shutil.rmtree(private, ignore_errors=True)
