"""Configuration from environment variables, with safe development defaults."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
MIN_SECRET_LENGTH = 32
MIN_AUDIT_RETENTION_DAYS = 180  # 等保 2.0: audit records are kept at least this long


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


def env_int_or_zero(name: str, default: int) -> int:
    """Read a non-negative integer from the environment (0 turns a feature off)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit():
        raise ConfigError(f"{name} must be 0 or a positive integer, got {raw!r}")
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


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """Read one of a few known words from the environment; fail fast on anything else."""
    raw = (os.environ.get(name) or "").strip().lower() or default
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def env_list(name: str) -> tuple[str, ...]:
    """Read a comma-separated list from the environment (empty when unset)."""
    raw = os.environ.get(name) or ""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def env_rate(name: str, default: str) -> str:
    """Read a rate limit such as "60 per minute" (Flask-Limiter's notation); fail fast on garbage."""
    from limits import parse_many

    raw = (os.environ.get(name) or "").strip() or default
    try:
        parse_many(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a rate such as '60 per minute', got {raw!r}") from exc
    return raw


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
    # SQLite only: how long a write waits for another writer before giving up (seconds)
    SQLITE_BUSY_TIMEOUT = env_float("SQLITE_BUSY_TIMEOUT", 15.0)
    # Addresses or networks of the reverse proxies whose X-Forwarded-For/-Proto/-Host headers
    # are believed (e.g. "127.0.0.1,10.0.0.0/24"); requests from anywhere else are taken as is.
    TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
    # "json" (one JSON object per line, for log collectors) or "text" (for a terminal)
    LOG_FORMAT = env_choice("LOG_FORMAT", "json", ("json", "text"))
    LOG_LEVEL = env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()
    # Signed-in sessions live on the server (app/security/sessions.py): a session unused this
    # many minutes ends (staff: the platform's administrative duties), and any session ends
    # this many hours after sign-in, whatever its use.
    SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_IDLE_MINUTES_STAFF = env_int("SESSION_IDLE_MINUTES_STAFF", 15)
    SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
    SESSION_ABSOLUTE_HOURS_STAFF = env_int("SESSION_ABSOLUTE_HOURS_STAFF", 8)
    # ended and expired sessions are kept this long for investigations, then purged
    SESSION_KEEP_DAYS = env_int("SESSION_KEEP_DAYS", 30)
    # The cookie ends with the browser (sessions are not made permanent); should one ever be,
    # it cannot outlive the server-side absolute lifetime.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_ABSOLUTE_HOURS)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # no "remember me": sign-in never sets this cookie, and a session needs its server record
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Strict-Transport-Security max-age in seconds (0: not sent) and the Permissions-Policy
    # header ("": not sent); production turns both on, `make run` on plain http does not.
    HSTS_SECONDS = 0
    PERMISSIONS_POLICY = ""
    # WTForms' built-in Chinese messages (no Flask-Babel in this project)
    WTF_I18N_ENABLED = False
    # Attachments of listings and applications: checked by content, their bytes stored in the
    # database (see app.attachments and app.storage).
    ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    # A request may carry one attachment plus the form around it; more is answered with 413.
    MAX_CONTENT_LENGTH = max(2 * 1024 * 1024, ATTACHMENT_MAX_BYTES + 256 * 1024)
    # How many contacts one user may reveal in 24 hours (each reveal is logged).
    CONTACT_REVEAL_DAILY_LIMIT = env_int("CONTACT_REVEAL_DAILY_LIMIT", 50)
    PAGE_SIZE = env_int("PAGE_SIZE", 12)
    # Match levels (docs/matching.md, 匹配等级): a pair's score is calibrated into the estimated
    # probability that it is relevant; these are the probabilities each level starts at.
    MATCH_LEVEL_HIGH = env_float("MATCH_LEVEL_HIGH", 0.70)  # 高度匹配
    MATCH_LEVEL_MEDIUM = env_float("MATCH_LEVEL_MEDIUM", 0.40)  # 较为匹配
    MATCH_FLOOR = env_float("MATCH_FLOOR", 0.15)  # 可能相关; below it not a recommendation
    # Pairs estimated at least this likely to be relevant are queued for review.
    MATCH_REVIEW_MIN_PROBABILITY = env_float("MATCH_REVIEW_MIN_PROBABILITY", 0.50)
    MATCH_TOP_N = env_int("MATCH_TOP_N", 10)
    # At most this many capabilities of one organisation in a scenario's recommendations.
    MATCH_ORG_CAP = env_int("MATCH_ORG_CAP", 2)
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
    # the footer of a government website (GB/T 39735-2020); the defaults are demo placeholders
    # (docs/accessibility.md "Footer"): set the real filings before going live
    SITE_SPONSOR = os.environ.get("SITE_SPONSOR", "济南市工业和信息化局")  # 主办单位
    SITE_ORGANIZER = os.environ.get("SITE_ORGANIZER", "济南市大数据局")  # 承办单位
    SITE_CONTACT_PHONE = os.environ.get("SITE_CONTACT_PHONE", "0531-12345678")
    SITE_CONTACT_EMAIL = os.environ.get("SITE_CONTACT_EMAIL", "service@example.com")
    SITE_ICP = os.environ.get("SITE_ICP", "鲁ICP备00000000号")  # ICP备案号
    SITE_PSB = os.environ.get("SITE_PSB", "鲁公网安备37010202000000号")  # 公安机关备案号
    SITE_CODE = os.environ.get("SITE_CODE", "3701000000")  # 网站标识码
    # Background jobs: RQ on this Redis when set; without it jobs run in a thread pool inside
    # each process (the embedded default), so `make run` needs nothing else.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    JOBS_MODE = env_choice("JOBS_MODE", "rq" if REDIS_URL else "thread", ("rq", "thread", "eager"))
    JOBS_THREADS = env_int("JOBS_THREADS", 2)
    # in the thread mode, each serving process also runs the periodic jobs' scheduler
    JOBS_LOCAL_SCHEDULER = True
    # Public pages served to anonymous visitors from a copy at most this many seconds old
    # (shared through Redis when REDIS_URL is set); 0 turns the page cache off.
    PAGE_CACHE_SECONDS = env_int_or_zero("PAGE_CACHE_SECONDS", 5)
    # The dashboard's figures are recomputed at most this often per process (0: every request).
    DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 60)
    # Database connections one dashboard computation uses at once (1: one query after another).
    DASHBOARD_WORKERS = env_int("DASHBOARD_WORKERS", 2)
    # /metrics answers scrapers from these addresses or networks, or carrying
    # "Authorization: Bearer METRICS_TOKEN"; everyone else gets 404 (app/ops/metrics.py).
    METRICS_ALLOWED = env_list("METRICS_ALLOWED") or ("127.0.0.1/32", "::1")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    # where `flask backup create` writes when not told (--output)
    BACKUP_DIR = os.environ.get("BACKUP_DIR") or str(INSTANCE / "backups")
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
    # Open data (docs/open-data.md): the bulk downloads are built again by a job this many
    # seconds after a change of published data (a burst of changes is built once)
    OPEN_DATA_AUTO_REFRESH = env_bool("OPEN_DATA_AUTO_REFRESH", True)
    OPEN_DATA_REFRESH_DELAY = env_float("OPEN_DATA_REFRESH_DELAY", 60.0)
    # Audit trail (docs/security-audit.md): the key of its hash chain (derived from SECRET_KEY
    # when unset; set it to keep the chain verifiable across SECRET_KEY rotations), and how
    # many days records are kept before the daily purge removes them (180 at least).
    AUDIT_KEY = os.environ.get("AUDIT_KEY", "")
    AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", MIN_AUDIT_RETENTION_DAYS)

    # Sign-in protection (docs/security-accounts.md). An account is locked for
    # LOGIN_LOCK_MINUTES after LOGIN_LOCK_FAILURES failed sign-ins within LOGIN_WINDOW_MINUTES;
    # the image 验证码 is asked after LOGIN_CAPTCHA_FAILURES failures for an e-mail or address.
    LOGIN_LOCK_FAILURES = env_int("LOGIN_LOCK_FAILURES", 5)
    LOGIN_WINDOW_MINUTES = env_int("LOGIN_WINDOW_MINUTES", 15)
    LOGIN_LOCK_MINUTES = env_int("LOGIN_LOCK_MINUTES", 30)
    LOGIN_CAPTCHA_FAILURES = env_int("LOGIN_CAPTCHA_FAILURES", 3)
    # Per client address (a whole agency may share one address behind its NAT: be generous)
    LOGIN_RATE_LIMIT = env_rate("LOGIN_RATE_LIMIT", "60 per minute")
    REGISTER_RATE_LIMIT = env_rate("REGISTER_RATE_LIMIT", "20 per hour")
    FORGOT_RATE_LIMIT = env_rate("FORGOT_RATE_LIMIT", "20 per hour")
    # reset e-mails one address may be sent (whoever asks), so nobody floods a mailbox
    FORGOT_EMAIL_RATE_LIMIT = env_rate("FORGOT_EMAIL_RATE_LIMIT", "3 per hour")
    PASSWORD_RESET_MINUTES = env_int("PASSWORD_RESET_MINUTES", 30)
    # Limits and failure counters live in Redis when REDIS_URL is set (shared by every
    # process and machine), else in each process's memory.
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = False  # Retry-After is set on the 429 page itself
    # The open-data API (docs/api.md): requests per client address without a token, per
    # partner token with one; how long clients and proxies may keep a public answer.
    API_RATE_ANONYMOUS = env_rate("API_RATE_ANONYMOUS", "60 per minute")
    API_RATE_TOKEN = env_rate("API_RATE_TOKEN", "600 per minute")
    API_CACHE_SECONDS = env_int_or_zero("API_CACHE_SECONDS", 30)
    # the API's successful answers are kept this long and shared by every worker (Redis when
    # REDIS_URL is set), like the public pages; 0 turns it off
    API_RESPONSE_CACHE_SECONDS = env_int_or_zero("API_RESPONSE_CACHE_SECONDS", 5)

    @classmethod
    def secret_key(cls) -> str:
        """Development keeps a generated key under instance/."""
        return os.environ.get("SECRET_KEY") or development_secret(INSTANCE)


class DevelopmentConfig(Config):
    """Local development: generated secret, demo accounts may be printed."""


class ProductionConfig(Config):
    """Production refuses to start without a strong secret."""

    ENV_NAME = "production"
    # "__Host-": the browser only keeps it if Secure, Path=/ and no Domain (no subdomain or
    # plain-http page can set or overwrite it)
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_DOMAIN = None
    SESSION_COOKIE_PATH = "/"
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000)
    PERMISSIONS_POLICY = (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
        "bluetooth=(), hid=(), midi=(), accelerometer=(), gyroscope=(), magnetometer=(), "
        "display-capture=(), fullscreen=(self)"
    )

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
    PAGE_CACHE_SECONDS = 0  # likewise fresh pages (tests of the page cache turn it on)
    API_RESPONSE_CACHE_SECONDS = 0  # and fresh API answers
    # jobs run synchronously once the transaction that asked for them commits (deterministic);
    # tests of the thread pool and of RQ on Redis build apps with their own mode
    JOBS_MODE = "eager"
    JOBS_LOCAL_SCHEDULER = False  # a test that wants the clock to tick starts it itself
    MATCHING_URL = ""  # the suite matches in process unless a test starts a matching service
    MATCHING_VOCABULARY_CHECK_SECONDS = 0.0  # app instances see each other's vocabulary at once
    RATELIMIT_STORAGE_URI = "memory://"  # emptied per test; tests on Redis build their own app
    # eager jobs would build the bulk downloads after every approval of every test; the tests
    # of open data switch it on
    OPEN_DATA_AUTO_REFRESH = False

    @classmethod
    def secret_key(cls) -> str:
        """A fixed key keeps test sessions reproducible."""
        return "test-secret-key-not-for-production-000000"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestConfig,
}


def check_audit_retention(days: int) -> None:
    """Refuse to start with a retention below the legal minimum."""
    if int(days) < MIN_AUDIT_RETENTION_DAYS:
        raise ConfigError(
            f"AUDIT_RETENTION_DAYS must be at least {MIN_AUDIT_RETENTION_DAYS}, got {days!r}"
        )


def config_from_env() -> type[Config]:
    """Pick the config class named by APP_ENV (development by default)."""
    name = os.environ.get("APP_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, got {name!r}")
    return CONFIGS[name]
