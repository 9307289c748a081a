"""gunicorn settings of the matching process (one per machine; docs/architecture.md).

    gunicorn -c deploy/gunicorn-matching.conf.py

ONE worker holds the engine and both sides' indexes; its threads answer the machine's web
workers concurrently (searches read the served state; the follower thread and artifact
loads run beside them). The environment is the web tier's (DATABASE_URL, SECRET_KEY,
APP_ENV): the matching process reads the same database and verifies artifacts with the same
key. Bind to the loopback interface: the API has no authentication of its own.
"""

import os

wsgi_app = "app.matching_service:create_matching_app()"
bind = os.environ.get("MATCHING_BIND", "127.0.0.1:5001")
workers = 1  # never more: each worker would hold its own copy of every index
worker_class = "gthread"
threads = int(os.environ.get("MATCHING_THREADS", "8"))
# the app starts the feed follower thread, which must live in the worker, not the master
preload_app = False
# start-up loads state in the follower thread; requests before it is ready get 503 at once
timeout = 120
graceful_timeout = 30
keepalive = 30  # web workers keep pooled connections open between requests
accesslog = os.environ.get("MATCHING_ACCESS_LOG", "-")
errorlog = "-"
# gunicorn's control socket has one path per user, shared with the web server of the machine
control_socket_disable = True
