"""Problem documents (RFC 9457) for the open-data endpoints: app.api's, once it is merged.

app.api (the read API's foundation, built in parallel) provides `abort_problem`; until it is
part of this code base the small stand-in below answers the same document. Delete the
stand-in when app/api/problems.py is present (the import then always succeeds).
"""

from __future__ import annotations

from typing import Any, NoReturn

try:
    from app.api.problems import abort_problem
except ImportError:  # pragma: no cover - until app.api is merged
    from flask import abort, current_app, json, request

    def abort_problem(  # type: ignore[misc]
        status: int, detail: str | None = None, *, title: str | None = None, **extra: Any
    ) -> NoReturn:
        """Stop the request with a problem document."""
        body = {
            "type": f"/api/v1/docs#problem-{status}",
            "title": title or ("请求参数有误" if status == 400 else "资源不存在"),
            "status": status,
            "detail": detail or "",
            "instance": request.path,
            **extra,
        }
        abort(
            current_app.response_class(
                json.dumps(body, ensure_ascii=False),
                status=status,
                mimetype="application/problem+json",
            )
        )


__all__ = ["abort_problem"]
