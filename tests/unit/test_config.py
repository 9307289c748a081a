"""Configuration fails fast on bad values and refuses weak production secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import config


def test_production_refuses_a_missing_or_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.ProductionConfig.secret_key()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(config.ConfigError, match="32"):
        config.ProductionConfig.secret_key()
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert config.ProductionConfig.secret_key() == "x" * 40


def test_production_cookies_are_secure() -> None:
    assert config.ProductionConfig.SESSION_COOKIE_SECURE is True


def test_development_generates_a_secret_once_and_keeps_it(tmp_path: Path) -> None:
    first = config.development_secret(tmp_path)
    assert len(first) == 64
    assert config.development_secret(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("raw", ["abc", "1.5.2"])
def test_unparseable_numbers_fail_fast(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("MATCH_REVIEW_MIN_SCORE", raw)
    with pytest.raises(config.ConfigError, match="MATCH_REVIEW_MIN_SCORE"):
        config.env_float("MATCH_REVIEW_MIN_SCORE", 0.1)


@pytest.mark.parametrize("raw", ["0", "-3", "ten"])
def test_page_size_must_be_a_positive_integer(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("PAGE_SIZE", raw)
    with pytest.raises(config.ConfigError, match="PAGE_SIZE"):
        config.env_int("PAGE_SIZE", 12)


def test_an_unknown_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(config.ConfigError, match="APP_ENV"):
        config.config_from_env()


def test_the_default_database_is_a_sqlite_file_under_instance() -> None:
    assert config.default_database_url() == f"sqlite:///{config.INSTANCE / 'platform.db'}"


@pytest.mark.parametrize("raw", ["lots", "60 per fortnight", "-1 per minute"])
def test_an_unparseable_rate_limit_fails_fast(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("LOGIN_RATE_LIMIT", raw)
    with pytest.raises(config.ConfigError, match="LOGIN_RATE_LIMIT"):
        config.env_rate("LOGIN_RATE_LIMIT", "60 per minute")


def test_rate_limits_and_lock_thresholds_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "100/minute")
    assert config.env_rate("LOGIN_RATE_LIMIT", "60 per minute") == "100/minute"
    monkeypatch.setenv("LOGIN_LOCK_FAILURES", "0")
    with pytest.raises(config.ConfigError, match="LOGIN_LOCK_FAILURES"):
        config.env_int("LOGIN_LOCK_FAILURES", 5)
