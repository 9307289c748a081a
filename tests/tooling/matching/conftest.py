"""The engine's fixtures (tests/matching/conftest.py) for the tests of its tooling."""

from tests.matching.conftest import (  # noqa: F401 -- fixtures are found by their names here
    engine_tokenizer,
    matcher,
    tokenizer,
)
