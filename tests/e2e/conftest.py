"""Browser fixtures: a live server on its own seeded database, and Debian's Chromium.

The live server runs the real application (CSRF on) in a background thread on a SQLite file
of its own, built by the migrations and filled with the demo data, so pages look populated.
It is independent of the suite's `app` fixture and database.

Chromium comes from Debian (`apt-get install -y chromium fonts-wqy-microhei`), not from
`playwright install`. Without it the browser tests are skipped, unless REQUIRE_BROWSER=1
(as in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from app import create_app
from app.config import ROOT, TestConfig

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000  # auto-waiting limit for locators and expect()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Where Chromium is (CHROMIUM_PATH or /usr/bin/chromium); skip, or fail in CI, if absent."""
    path = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if not Path(path).is_file():
        message = f"Chromium not found at {path}: apt-get install -y chromium fonts-wqy-microhei"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    return path


BODY_KEY = "e2e.response_body"


def _remembering_body(app: Callable) -> Callable:
    """The app, keeping each response's body in its environ for the handler below."""

    def wrapped(environ: dict, start_response: Callable) -> object:
        body = app(environ, start_response)
        environ[BODY_KEY] = body
        return body

    return wrapped


def _closing_handler() -> type:
    """Werkzeug's request handler, closing the body of a response the browser walked away
    from (a favicon fetch cancelled by the next navigation): the development server skips
    the close then, and the open static file surfaced later as a ResourceWarning."""
    from werkzeug.serving import WSGIRequestHandler

    class ClosingHandler(WSGIRequestHandler):
        def connection_dropped(self, error: BaseException, environ: dict | None = None) -> None:
            body = (environ or {}).pop(BODY_KEY, None)
            if hasattr(body, "close"):
                body.close()
            super().connection_dropped(error, environ)

    return ClosingHandler


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The application served over HTTP on a free port; yields its base URL."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app.extensions import db
    from app.recommendations.levels import review_min_score
    from app.seed import load_demo

    tmp = tmp_path_factory.mktemp("e2e")
    application = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/e2e.db",
        WTF_CSRF_ENABLED=True,
    )
    with application.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_demo(
            ROOT / "seed",
            min_score=review_min_score(),
            top=application.config["MATCH_TOP_N"],
        )
        db.session.commit()
        db.session.remove()

    server = make_server(
        "127.0.0.1",
        0,
        _remembering_body(application),
        threaded=True,
        request_handler=_closing_handler(),
    )
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with application.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the session (Playwright's sync API)."""
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


def _new_context(browser: Browser, base_url: str) -> BrowserContext:
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh page in a fresh context (no cookies) per test; relative URLs hit the live server."""
    context = _new_context(browser, live_server)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def new_person(browser: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """Open pages for several people in one test, each in a context (cookies) of its own."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        contexts.append(_new_context(browser, live_server))
        return contexts[-1].new_page()

    yield open_page
    for context in contexts:
        context.close()
