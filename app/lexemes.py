"""What the database indexes for a listing's stored tokens, and how a term is quoted for it.

Pure functions (no Flask, no SQL), shared by the code that stores search documents, the
PostgreSQL and SQLite queries, and the one-listing check of saved-search alerts, so the three
agree on what a word finds.

Partial words. jieba cuts a query alone differently from the same words inside a sentence
(医保 versus 医保基金, 配时 versus 红绿灯配时), so a typed word of two or more characters must
find the indexed words that contain it, anywhere (配时 is a suffix: prefix queries alone miss
it). Each token's substrings of MIN_PART to MAX_PART characters are stored beside it as
"parts", in columns of their own, and a query term is matched as one whole lexeme against
tokens and parts alike: an exact word and a contained word are then both one GIN
(PostgreSQL) or FTS5 (SQLite) posting-list lookup, and the column holding the lexeme says
exact or partial, title or body, for ranking (a part ranks below a whole word).

Why parts and not pg_trgm. Trigram indexes (pg_trgm on PostgreSQL, FTS5's trigram tokenizer
on SQLite) cannot serve a two-character term, and most Chinese words are two characters:
医保 would be a sequential scan on both databases; prefix queries (医保:*) miss suffixes; and
neither is the same on both databases. Parts cost space, not time: the demo listings'
tokens are 85% one or two characters (which have no parts), so a listing stores about 50
body tokens and 25 body parts (seed/demo: ~200 bytes of parts per listing; the benchmark's
longer texts about as many bytes of parts as of tokens), and a part is looked up exactly as
a word is (docs/performance-lists.md).
Long tokens are bounded: parts are only cut from tokens of at most MAX_PART_SOURCE
characters (an ASCII identifier or a pasted code is not searched by a fragment), and are at
most MAX_PART characters long, so a token yields at most ~200 parts.
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_PART = 2  # a single character finds only itself: 配 must not find 红绿灯配时
MAX_PART = 12  # longer typed words are found whole or through their jieba tokens
MAX_PART_SOURCE = 24  # longer tokens (codes, URLs, identifiers) are found whole only
MAX_LEXEME_BYTES = 2000  # PostgreSQL refuses lexemes of 2 KB; such a token is not a word

# One class per stored column, best first for relevance: a whole word of the title, inside a
# title word, a whole word of the body, inside a body word. PostgreSQL keeps the class as a
# digit prefixing the lexeme, SQLite as the FTS5 column (app.search.fulltext).
CLASSES = ("title_tokens", "title_parts", "body_tokens", "body_parts")


def words(joined: str) -> list[str]:
    """The tokens of a stored space-joined string (empty pieces and oversize words dropped)."""
    return [w for w in joined.split(" ") if w and len(w.encode()) <= MAX_LEXEME_BYTES]


def parts_of(tokens: Iterable[str]) -> list[str]:
    """Distinct substrings (MIN_PART..MAX_PART characters) of the tokens, minus the tokens."""
    tokens = list(tokens)
    whole = set(tokens)
    found: dict[str, None] = {}
    for token in tokens:
        size = len(token)
        if size > MAX_PART_SOURCE:
            continue
        for length in range(MIN_PART, min(size - 1, MAX_PART) + 1):
            for start in range(size - length + 1):
                piece = token[start : start + length]
                if piece not in whole:
                    found[piece] = None
    return list(found)


def joined_parts(joined_tokens: str) -> str:
    """The parts of a stored token string, stored the same way (space-joined)."""
    return " ".join(parts_of(words(joined_tokens)))


def can_be_part(term: str) -> bool:
    """Whether a term may be found inside a longer word (parts of its length are stored)."""
    return MIN_PART <= len(term) <= MAX_PART


def lexemes(title_tokens: Iterable[str], body_tokens: Iterable[str]) -> dict[str, set[str]]:
    """A listing's lexemes by class, as the database indexes them (for one-listing checks)."""
    title, body = list(title_tokens), list(body_tokens)
    return {
        "title_tokens": set(title),
        "title_parts": set(parts_of(title)),
        "body_tokens": set(body),
        "body_parts": set(parts_of(body)),
    }


def tsquery_lexeme(term: str) -> str:
    """A term as one quoted tsquery (or tsvector) lexeme: no parser, no stemming.

    Inside quotes a backslash escapes the next character and a quote is doubled.
    """
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def fts5_phrase(term: str) -> str:
    """A term as an FTS5 string: double quotes, inner double quotes doubled."""
    return '"' + term.replace('"', '""') + '"'
