"""gunicorn settings of the web tier (`make serve`, `make run`, deploy/systemd/jinan-web.service).

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS. Reload the code
gracefully with `kill -HUP <master pid>` (systemctl reload): new workers start with the new code
while the old ones finish their requests.
"""

import multiprocessing
import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
# WEB_CONCURRENCY is the convention platforms use; 2 × cores + 1 by default
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"  # the reverse proxy buffers slow clients; pages do not stream
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))  # a worker silent this long is replaced
graceful_timeout = 30  # on reload or stop, requests in flight get this long to finish
keepalive = 5
# recycle workers now and then (a slow leak never grows without bound); jitter spreads restarts
max_requests = 2000
max_requests_jitter = 200
# the workers' heartbeat files: in memory, so a busy disk never gets a worker killed
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# the app decides which proxies to believe (TRUSTED_PROXIES); gunicorn itself believes none
forwarded_allow_ips = ""
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logger_class = "app.runtime.access_log.JsonAccessLogger"
proc_name = "jinan-web"
