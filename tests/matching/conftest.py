"""Shared engine fixtures: one tokenizer per session, because loading jieba takes ~0.5 s."""

from __future__ import annotations

import pytest

from app.matching import Matcher, Tokenizer


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    """Return a tokenizer with the seed dictionary and stop words."""
    return Tokenizer()


@pytest.fixture(scope="session")
def engine_tokenizer() -> Tokenizer:
    """A tokenizer for engines: they add synonym members to it, so it is kept apart."""
    return Tokenizer()


@pytest.fixture
def matcher(engine_tokenizer: Tokenizer) -> Matcher:
    """Return a fresh matcher (empty token cache) over the engines' tokenizer."""
    return Matcher(engine_tokenizer)
