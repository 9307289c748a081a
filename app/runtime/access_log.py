"""gunicorn's access log as one JSON object per request, carrying the request id.

gunicorn formats access lines from a printf-style template that does not escape quotes, so a
user agent could break a JSON template; this logger builds the object and lets json escape it.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger

PROBES = frozenset({"/healthz", "/readyz", "/metrics"})


def _header(headers: Any, name: str) -> str:
    for key, value in headers:
        if key.lower() == name:
            return str(value)
    return ""


class JsonAccessLogger(Logger):
    """Access lines as JSON; gunicorn's own messages as usual."""

    def access(
        self, resp: Any, req: Any, environ: MutableMapping[str, Any], request_time: Any
    ) -> None:
        """Log one finished request."""
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "logger": "gunicorn.access",
            "request_id": _header(resp.headers, "x-request-id") or "-",
            # after the app ran: the client's address when a trusted proxy forwarded it
            "remote": environ.get("REMOTE_ADDR", "-"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or "",
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
        }
        # probes and scrapes arrive every few seconds: logged only when they fail (or at debug)
        quiet = line["path"] in PROBES and line["status"] < 400
        log = self.access_log.debug if quiet else self.access_log.info
        log(json.dumps(line, ensure_ascii=False))
