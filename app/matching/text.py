"""Text normalisation and Chinese tokenisation with a user dictionary and stop words."""

from __future__ import annotations

import importlib.util
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType

import jieba

try:  # jieba's algorithm in C: the same cuts (tests/matching/test_segmenter.py), ~3x faster
    import jieba_fast
except ImportError:  # pragma: no cover - the dependency is declared; pure jieba still works
    jieba_fast = None

logger = logging.getLogger(__name__)

SEED_DIR = Path(__file__).resolve().parents[2] / "seed" / "matching"
DEFAULT_DICT_PATH = SEED_DIR / "dict.txt"
DEFAULT_STOPWORDS_PATH = SEED_DIR / "stopwords.txt"

SEPARATOR = "\x00"  # joins texts cut in one call; jieba always splits on it
MAX_VERDICTS = 200_000  # bound on the memo of kept/dropped tokens
MAX_CACHED_CUTS = 200_000  # bound on the memo of cut texts (cleared when full)
MAX_CACHED_TEXT = 200  # only short texts (tags, titles, clauses) are worth remembering

# Listings are a few hundred characters; anything far longer is pasted junk, and
# segmenting it would cost the request hundreds of milliseconds for no ranking gain.
MAX_CHARS = 20_000

_NUMBER = re.compile(r"[0-9.,:%+\-/]+")
# Clause-ending punctuation after normalisation (NFKC turns ，：；！？ into ASCII): outside
# jieba's word pattern, so a text cut at it gives the tokens of the whole text.
_CLAUSE_PIECES = re.compile(r"[^。;；!！?？\n,，:：、]+")
_ENDS_CLAUSE = re.compile(r"[。;；!！?？\n,，:：、]")

# jieba logs its dictionary loading at DEBUG/INFO on its own handler; keep servers quiet.
jieba.setLogLevel(logging.WARNING)
if jieba_fast is not None:
    jieba_fast.setLogLevel(logging.WARNING)
    # jieba 0.42 keeps hyphenated words such as NB-IoT whole; jieba_fast 0.53 predates that.
    # Its cut reads these module patterns, so sharing jieba's makes the cuts identical.
    for _name in ("re_han_default", "re_skip_default"):
        setattr(jieba_fast, _name, getattr(jieba, _name))
FASTEST: ModuleType = jieba_fast or jieba


# Traditional characters (繁體) are converted to simplified before anything else: the
# dictionary, the synonym tables and most listings are simplified. The conversion is
# OpenCC's, from opencc_purepy (pure Python, its dictionaries inside the package): hk2s,
# i.e. Hong Kong glyph variants (衞, 綫, 啓) to OpenCC traditional, then traditional to
# simplified with its phrase table first (乾隆 stays, 乾燥 → 干燥). Only a text holding a
# character that simplified text never uses is converted; finding one is a regular-expression
# scan of about 1 µs for 250 characters, so simplified text pays next to nothing and is
# returned unchanged.
CONVERSION = "hk2s"
OPENCC_PACKAGE = "opencc_purepy"


def _opencc_dictionary(name: str) -> dict[str, str]:
    """One of the OpenCC text dictionaries opencc_purepy ships: key -> candidates (spaced).

    Read without importing the package (that costs ~20 ms; it is imported only when a
    traditional text appears).
    """
    spec = importlib.util.find_spec(OPENCC_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{OPENCC_PACKAGE} is not installed (a dependency in pyproject.toml)")
    path = Path(next(iter(spec.submodule_search_locations))) / "dicts" / name
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, candidates = line.partition("\t")
        if candidates and not key.startswith("#"):
            entries[key] = candidates
    return entries


def traditional_only_characters() -> frozenset[str]:
    """The characters that mark a text as traditional: the conversion changes each of them,
    and none is on the simplified side of any OpenCC dictionary.

    That leaves out characters that simplified text uses too although OpenCC may convert
    them: 乾 (乾坤), 著 (著名), 於, 夥, 徵, 薰 (薰衣草)…; a text holding only those is kept.
    """
    to_simplified = _opencc_dictionary("TSCharacters.txt")
    hong_kong = _opencc_dictionary("HKVariantsRev.txt")
    simplified = set("".join(to_simplified.values()))  # every candidate, not only the first
    simplified.update("".join(_opencc_dictionary("TSPhrases.txt").values()))
    simplified.update("".join(_opencc_dictionary("STCharacters.txt")))
    simplified.update("".join(_opencc_dictionary("STPhrases.txt")))
    changed = set()
    for char in to_simplified.keys() | hong_kong.keys():
        standard = hong_kong.get(char, char).split()[0]
        if len(char) == 1 and to_simplified.get(standard, standard).split()[0] != char:
            changed.add(char)
    return frozenset(changed - simplified)


TRADITIONAL_ONLY = traditional_only_characters()
# One character class, compiled once. sre looks a character of the Basic Multilingual Plane
# up in a bitmap but compares one beyond it with each such member in turn, so those (rare
# characters of the CJK extensions) are matched by one range spanning them all; a text with
# one is then checked against the set. Emoji lie outside that range.
_ASTRAL = sorted(ch for ch in TRADITIONAL_ONLY if ch > "\uffff")
_TRADITIONAL_CANDIDATE = re.compile(
    "["
    + "".join(re.escape(ch) for ch in sorted(TRADITIONAL_ONLY) if ch <= "\uffff")
    + (f"{_ASTRAL[0]}-{_ASTRAL[-1]}" if _ASTRAL else "")
    + "]"
)


@cache
def _converter() -> Callable[[str], str]:
    """OpenCC's conversion, loaded on the first traditional text (~0.1 s, ~20 MB)."""
    from opencc_purepy import OpenCC

    opencc = OpenCC(CONVERSION)
    if opencc.get_last_error():  # a dictionary that failed to load would convert nothing
        raise RuntimeError(f"{OPENCC_PACKAGE}: {opencc.get_last_error()}")
    convert: Callable[[str], str] = getattr(opencc, CONVERSION)
    return convert  # the direct method raises; convert() returns errors


def to_simplified(text: str) -> str:
    """Text in simplified characters; text without a traditional-only character as it is."""
    found = _TRADITIONAL_CANDIDATE.search(text)
    if found is None or (found.group() > "\uffff" and TRADITIONAL_ONLY.isdisjoint(text)):
        return text
    convert = _converter()
    if len(text) <= MAX_CHARS:
        return convert(text)
    # opencc_purepy hands a text of a million characters to a pool of processes; a whole
    # description (features.context_clauses) may be that long, a normalised text never is.
    return "".join(convert(text[i : i + MAX_CHARS]) for i in range(0, len(text), MAX_CHARS))


def normalise(text: str) -> str:
    """Return text in NFKC form, lower-cased, in simplified characters, truncated to MAX_CHARS."""
    # Cut before normalising to bound the work; NFKC can expand a character (㍿ → 株式会社).
    cleaned = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])[:MAX_CHARS].lower()
    return to_simplified(cleaned)[:MAX_CHARS]


def is_content_token(token: str) -> bool:
    """Tell whether a token carries meaning: has a letter or digit and is not a number."""
    if not any(ch.isalnum() for ch in token):
        return False
    return _NUMBER.fullmatch(token) is None


def parse_dict_line(line: str) -> tuple[str, int | None, str | None]:
    """Parse one `word [freq] [tag]` dictionary line (jieba's format); raise ValueError."""
    word, *rest = line.split() or [""]
    if not is_content_token(normalise(word)):
        raise ValueError(f"not a word: {word!r}")
    freq: int | None = None
    if rest and rest[0].isdigit():
        freq = int(rest.pop(0))
        if freq < 1:
            raise ValueError("frequency must be at least 1")
    tag = rest.pop(0) if rest else None
    if rest or (tag is not None and not (tag.isascii() and tag.isalpha())):
        raise ValueError("expected `word [freq] [tag]`: a positive frequency, a tag of letters")
    return normalise(word), freq, tag


def _content_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, stripped line) for non-blank, non-comment lines."""
    with path.open(encoding="utf-8-sig") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if line and not line.startswith("#"):
                yield number, line


def load_stopwords(path: Path | None) -> frozenset[str]:
    """Read one stop word per line (`#` starts a comment line); None gives none."""
    if path is None:
        return frozenset()
    return frozenset(normalise(line) for _, line in _content_lines(path))


class Tokenizer:
    """Normalises text and cuts it into content tokens with a private jieba instance."""

    def __init__(
        self,
        dict_path: Path | None = DEFAULT_DICT_PATH,
        stopwords_path: Path | None = DEFAULT_STOPWORDS_PATH,
        segmenter: ModuleType = FASTEST,
    ) -> None:
        """Load jieba's base dictionary, then the user dictionary and stop words."""
        self._jieba = segmenter.Tokenizer()
        self._verdicts: dict[str, bool] = {}
        self._cuts: dict[str, tuple[str, ...]] = {}  # short text -> its kept tokens
        self._jieba.initialize()
        self.words_added = self._load_dictionary(dict_path) if dict_path else 0
        self.stopwords = load_stopwords(stopwords_path)

    def _load_dictionary(self, path: Path) -> int:
        """Add every well-formed dictionary line; skip bad ones with a warning."""
        added = 0
        for number, line in _content_lines(path):
            try:
                word, freq, tag = parse_dict_line(line)
            except ValueError as exc:
                logger.warning("%s:%d: skipped dictionary line: %s", path, number, exc)
                continue
            self.add_word(word, freq, tag)
            added += 1
        return added

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """Keep a word whole from now on (dictionary entries, synonym members)."""
        word = normalise(word).strip()
        if not is_content_token(word):
            return
        self._cuts.clear()  # texts cut before may now be cut differently
        # A frequency too low for jieba to keep the word whole would defeat the entry.
        whole = self._jieba.suggest_freq(word, tune=False)
        self._jieba.add_word(word, max(freq or 0, whole), tag)

    def tokens(self, text: str) -> list[str]:
        """Return the content tokens of text in order (duplicates kept)."""
        cleaned = normalise(text)
        if not cleaned.strip():
            return []
        return self._keep(self._jieba.lcut(cleaned, HMM=False))

    def tokens_many(self, texts: Sequence[str]) -> list[list[str]]:
        """tokens() of each text, from one segmenter call (a listing has dozens of clauses).

        jieba never joins across a character outside its word pattern, so cutting the texts
        joined by NUL gives the same words as cutting each one. For the same reason a text is
        cut as its clauses (split at punctuation that ends one, which is never part of a word
        and never kept): the same tokens, and clauses already cut are remembered, so a
        description cut clause by clause for matching is not cut again for search.
        """
        cleaned = [normalise(t).replace(SEPARATOR, "") for t in texts]
        pieces = [
            _CLAUSE_PIECES.findall(text) if _ENDS_CLAUSE.search(text) else [text]
            for text in cleaned
        ]
        cut = iter(self._cut_all([piece for parts in pieces for piece in parts]))
        return [[token for _ in parts for token in next(cut)] for parts in pieces]

    def _cut_all(self, cleaned: list[str]) -> list[tuple[str, ...]]:
        """The kept tokens of each normalised text, remembered for short ones."""
        cache = self._cuts
        found = [cache.get(text) for text in cleaned]  # tags and stock phrases recur
        todo = [text for text, hit in zip(cleaned, found, strict=True) if hit is None]
        cut: list[list[str]] = [[] for _ in todo]
        position = 0
        for token in self._jieba.lcut(SEPARATOR.join(todo), HMM=False) if todo else ():
            if token == SEPARATOR:
                position += 1
            else:
                cut[position].append(token)
        fresh = iter(cut)
        out = []
        for text, hit in zip(cleaned, found, strict=True):
            if hit is None:
                tokens = next(fresh)  # advance for every uncached text, blank ones included
                hit = tuple(self._keep(tokens)) if text.strip() else ()
                if len(text) <= MAX_CACHED_TEXT:
                    if len(cache) >= MAX_CACHED_CUTS:
                        cache.clear()
                    cache[text] = hit
            out.append(hit)
        return out

    def _keep(self, tokens: list[str]) -> list[str]:
        """Drop stop words and tokens without meaning (memoised: tokens repeat endlessly)."""
        verdicts = self._verdicts
        kept = []
        for token in tokens:
            verdict = verdicts.get(token)
            if verdict is None:
                verdict = token not in self.stopwords and is_content_token(token)
                if len(verdicts) < MAX_VERDICTS:
                    verdicts[token] = verdict
            if verdict:
                kept.append(token)
        return kept
