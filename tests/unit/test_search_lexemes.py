"""What the database indexes for a listing's words, and which terms a typed query becomes."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.lexemes import (
    MAX_PART,
    MAX_PART_SOURCE,
    fts5_phrase,
    joined_parts,
    parts_of,
    tsquery_lexeme,
    words,
)
from app.matching import Tokenizer
from app.search.documents import Record
from app.search.services import query_tokens


def test_parts_are_the_inner_words_of_two_characters_and_more() -> None:
    parts = parts_of(["红绿灯配时"])
    assert {"配时", "红绿", "绿灯配", "红绿灯配"} <= set(parts)  # a suffix is a part too
    assert "配" not in parts  # one character finds only itself
    assert "红绿灯配时" not in parts  # the word itself is exact, not a part
    assert parts_of(["医保", "医保基金"]) == ["保基", "基金", "医保基", "保基金"]  # 医保 is exact


def test_long_tokens_are_bounded() -> None:
    code = "x" * (MAX_PART_SOURCE + 1)
    assert parts_of([code]) == []  # identifiers and pasted codes are found whole only
    longest = max(len(p) for p in parts_of(["一二三四五六七八九十甲乙丙丁戊"]))
    assert longest == MAX_PART


def test_stored_strings_tolerate_empty_pieces() -> None:
    assert words(" 医保  基金 ") == ["医保", "基金"]
    assert joined_parts("") == ""
    assert joined_parts("  医保基金 ") == "医保 保基 基金 医保基 保基金"


def test_terms_are_quoted_for_each_database() -> None:
    assert tsquery_lexeme("it's") == "'it''s'"
    assert tsquery_lexeme("a\\b") == "'a\\\\b'"
    assert fts5_phrase('say "hi"') == '"say ""hi"""'


def test_a_record_holds_whole_words_and_words_inside_longer_ones() -> None:
    record = Record(1, 1, title_tokens=("医保基金",), body_tokens=("路口", "信号配时"))
    assert record.holds("医保基金")
    assert record.holds("医保")  # inside 医保基金
    assert record.holds("配时")  # a suffix of 信号配时
    assert not record.holds("配")  # one character: whole words only
    assert not record.holds("医保局")


class Cut:
    """A tokenizer stand-in: fixed cuts."""

    CUTS = {"配时": ["配"], "医保": ["医保"], "医保结算": ["医保", "结算"], "的": [], "!!!": []}

    def tokens(self, text: str) -> list[str]:
        return self.CUTS.get(text, [text])


def test_a_typed_word_is_searched_as_is_when_an_indexed_word_holds_it() -> None:
    asked: list[Sequence[str]] = []

    def known(candidates: Sequence[str]) -> set[str]:
        asked.append(tuple(candidates))
        return {"配时"}

    cut: Tokenizer = Cut()  # type: ignore[assignment]
    assert query_tokens("配时  医保结算 医保 的", cut, known) == ("配时", "医保", "结算", "的")
    # only the words jieba cuts into something else are looked up, all in one question
    assert asked == [("配时", "医保结算")]


def test_no_lookup_when_every_typed_word_is_one_jieba_word() -> None:
    def known(candidates: Sequence[str]) -> set[str]:
        pytest.fail(f"looked up {candidates}")

    cut: Tokenizer = Cut()  # type: ignore[assignment]
    assert query_tokens("医保 !!!", cut, known) == ("医保",)
