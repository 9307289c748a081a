"""Configuration from environment variables, with safe development defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """Raised at start-up when the environment holds an unusable value."""


def env_float(name: str, default: float) -> float:
    """Read a float from the environment; fail fast on garbage."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def env_int(name: str, default: int) -> int:
    """Read a positive integer from the environment; fail fast on garbage."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a positive integer, got {raw!r}")
    return int(raw)


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no flag from the environment; fail fast on anything else."""
    raw = (os.environ.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def development_secret(instance: Path) -> str:
    """Return the development secret kept in instance/, creating it on first use."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def default_database_url() -> str:
    """The embedded default: a SQLite file under instance/."""
    return f"sqlite:///{INSTANCE / 'platform.db'}"


class Config:
    """Settings shared by every mode."""

    ENV_NAME = "development"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # WTForms' built-in Chinese messages (no Flask-Babel in this project)
    WTF_I18N_ENABLED = False
    # Attachments of listings and applications (applications in ATTACHMENT_DIR/engagements):
    # checked by content, stored outside static/ (see app.attachments).
    ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    ATTACHMENT_DIR = os.environ.get("ATTACHMENT_DIR") or str(INSTANCE / "uploads")
    # A request may carry one attachment plus the form around it; more is answered with 413.
    MAX_CONTENT_LENGTH = max(2 * 1024 * 1024, ATTACHMENT_MAX_BYTES + 256 * 1024)
    # How many contacts one user may reveal in 24 hours (each reveal is logged).
    CONTACT_REVEAL_DAILY_LIMIT = env_int("CONTACT_REVEAL_DAILY_LIMIT", 50)
    PAGE_SIZE = env_int("PAGE_SIZE", 12)
    # Pairs scoring at least this are queued for administrators to review.
    MATCH_REVIEW_MIN_SCORE = env_float("MATCH_REVIEW_MIN_SCORE", 0.20)
    MATCH_TOP_N = env_int("MATCH_TOP_N", 10)
    SEED_DIR = ROOT / "seed"
    # E-mail delivery (`flask notifications send`); with no MAIL_SERVER mail is written to the log
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_FROM = os.environ.get("MAIL_FROM", "济南数字化应用场景平台 <noreply@localhost>")
    # the public address used in e-mailed links
    SITE_URL = os.environ.get("SITE_URL", "http://localhost:5000").rstrip("/")
    # Uploaded spreadsheets wait here between preview and import (empty: the system temp dir)
    IMPORT_DIR = os.environ.get("IMPORT_DIR", "")
    # The dashboard's figures are recomputed at most this often per process (0: every request).
    DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 60)
    # Database connections one dashboard computation uses at once (1: one query after another).
    DASHBOARD_WORKERS = env_int("DASHBOARD_WORKERS", 2)
    # Matching runs in a matching process per machine (docs/architecture.md) reached at
    # MATCHING_URL (e.g. http://127.0.0.1:5001); without it the web process matches itself.
    MATCHING_URL = os.environ.get("MATCHING_URL", "").strip().rstrip("/")
    MATCHING_BIND = os.environ.get("MATCHING_BIND", "127.0.0.1:5001")  # the matching process
    MATCHING_POLL_SECONDS = env_float("MATCHING_POLL_SECONDS", 1.0)  # how often it reads the feed
    MATCHING_TIMEOUT = env_float("MATCHING_TIMEOUT", 2.0)  # seconds the web tier waits for it
    # how often a web process checks whether administrators changed the vocabulary
    MATCHING_VOCABULARY_CHECK_SECONDS = env_float("MATCHING_VOCABULARY_CHECK_SECONDS", 5.0)
    MATCHING_FEED_DAYS = env_int("MATCHING_FEED_DAYS", 7)  # change feed rows kept
    MATCHING_ARTIFACTS_KEPT = env_int("MATCHING_ARTIFACTS_KEPT", 3)  # index artifacts kept
    # build an engine change in the process and thread that asked for it (CLI, jobs, tests)
    MATCHING_BUILD_INLINE = env_bool("MATCHING_BUILD_INLINE", False)

    @classmethod
    def secret_key(cls) -> str:
        """Development keeps a generated key under instance/."""
        return os.environ.get("SECRET_KEY") or development_secret(INSTANCE)


class DevelopmentConfig(Config):
    """Local development: generated secret, demo accounts may be printed."""


class ProductionConfig(Config):
    """Production refuses to start without a strong secret."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def secret_key(cls) -> str:
        """Refuse a missing or short SECRET_KEY."""
        key = os.environ.get("SECRET_KEY", "")
        if len(key) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"SECRET_KEY must be set to at least {MIN_SECRET_LENGTH} characters in production"
            )
        return key


class TestConfig(Config):
    """The test suite: its own database, fixed secret, CSRF on unless a test turns it off."""

    ENV_NAME = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    DASHBOARD_CACHE_SECONDS = 0  # tests assert fresh figures
    MATCHING_URL = ""  # the suite matches in process unless a test starts a matching service
    MATCHING_BUILD_INLINE = True  # an engine change is served when the request returns
    MATCHING_VOCABULARY_CHECK_SECONDS = 0.0  # app instances see each other's vocabulary at once

    @classmethod
    def secret_key(cls) -> str:
        """A fixed key keeps test sessions reproducible."""
        return "test-secret-key-not-for-production-000000"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestConfig,
}


def config_from_env() -> type[Config]:
    """Pick the config class named by APP_ENV (development by default)."""
    name = os.environ.get("APP_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, got {name!r}")
    return CONFIGS[name]
