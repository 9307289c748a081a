"""Dictionary words and synonym groups administrators add without a deploy."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import audit
from app.engine_builds.maintenance import request_rebuild
from app.errors import DomainError
from app.extensions import db
from app.matching.synonyms import SEPARATOR, parse_groups
from app.matching.text import is_content_token, normalise
from app.models import User, VocabularyEntry, VocabularyKind
from app.recommendations.live import live

MAX_WORD = 20


def entries() -> list[VocabularyEntry]:
    """Every entry, newest first."""
    query = sa.select(VocabularyEntry).order_by(VocabularyEntry.id.desc())
    return list(db.session.scalars(query))


def add(admin: User, kind: VocabularyKind, text: str) -> VocabularyEntry:
    """Validate and store an entry; the engine is built again with it, and every listing
    tokenised again (a new word, or synonym members kept whole, change how text is cut)."""
    cleaned = _clean_word(text) if kind is VocabularyKind.WORD else _clean_group(text)
    if exists(kind, cleaned):
        raise DomainError("该条目已存在。", field="text")
    entry = VocabularyEntry(kind=kind, text=cleaned, created_by_id=getattr(admin, "id", None))
    try:
        with db.session.begin_nested():  # losing the race undoes this row, not the request
            db.session.add(entry)
    except IntegrityError as exc:  # the same entry added at the same moment (a double click)
        raise DomainError("该条目已存在。", field="text") from exc
    request_rebuild(refeaturize=True)
    audit.record(admin, "add", entry, cleaned)
    return entry


def exists(kind: VocabularyKind, text: str) -> bool:
    """Whether this entry is stored already."""
    query = sa.select(VocabularyEntry.id).where(
        VocabularyEntry.kind == kind, VocabularyEntry.text == text
    )
    return db.session.scalar(query) is not None


def remove(admin: User, entry: VocabularyEntry) -> None:
    """Delete an entry; the engine is built again without it (listings tokenised again)."""
    audit.record(admin, "remove", entry, entry.text)
    db.session.delete(entry)
    request_rebuild(refeaturize=True)


def _clean_word(text: str) -> str:
    word = normalise(text).strip()
    if not word or any(ch.isspace() for ch in word):
        raise DomainError("词典词不能为空，也不能包含空格。", field="text")
    if len(word) > MAX_WORD:
        raise DomainError(f"词典词不能超过{MAX_WORD}个字。", field="text")
    if not is_content_token(word):
        raise DomainError("词典词须包含文字或字母，不能只是数字或符号。", field="text")
    return word


def _clean_group(text: str) -> str:
    members = [normalise(m).strip() for m in text.replace("～", SEPARATOR).split(SEPARATOR)]
    members = [m for m in members if m]
    if len(members) < 2:
        raise DomainError(
            "同义词组至少包含两个词，用 ~ 分隔，如：信号配时 ~ 红绿灯配时。", field="text"
        )
    if any(any(ch.isspace() for ch in m) or len(m) > MAX_WORD for m in members):
        raise DomainError(f"每个词不能包含空格，且不超过{MAX_WORD}个字。", field="text")
    if len(set(members)) != len(members):
        raise DomainError("同义词组中有重复的词。", field="text")
    line = f" {SEPARATOR} ".join(members)
    taken = [m for m in members if m in live_concepts()]
    if taken:
        raise DomainError(f"这些词已属于其他同义词组：{'、'.join(taken)}", field="text")
    if not parse_groups([line]).concept_of:
        raise DomainError("同义词组格式不正确。", field="text")
    return line


def live_concepts() -> dict[str, str]:
    """Members already in the engine's table (seed files and administrators' groups)."""
    return live(current_app).engine().synonyms.concept_of
