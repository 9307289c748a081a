"""What a new web worker loads before its first request, so no visitor waits for it."""

from __future__ import annotations

from flask import Flask


def warm(app: Flask) -> None:
    """Load jieba's dictionary (about a second) by cutting a phrase, as a search would.

    gunicorn replaces workers now and then (max_requests); without this, the first search each
    new worker answers would take that second, and a burst of them on a busy machine longer.
    """
    from app.search.services import tokenizer

    with app.app_context():
        tokenizer().tokens("济南数字化应用场景公共服务平台")
