"""What the engine keeps of a listing: tokens per field and labels, computed once and storable."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.matching.text import Tokenizer, normalise, to_simplified
from app.matching.types import Listing

# bump when tokenisation or the stored form changes: stored features are then recomputed
FEATURES_VERSION = 5  # 5: the `need` field (clauses saying what is wanted)
_CJK = re.compile(r"[\u4e00-\u9fff]")
JOIN = " "  # joins a field's tokens when stored or packed: no token holds whitespace
TOKEN_FIELDS = ("title", "tags", "body", "need", "aside", "boilerplate", "chars")

# Context: a description mixes what the poster needs with what is beside the point for
# matching: systems that already exist or must be integrated (已建有…, 需对接现有…) go to
# the `aside` field, a firm's description of itself (qualifications, delivery mode,
# service network) to the `boilerplate` field; each has its own weight (weights.py). The
# clauses saying what is wanted (希望…) go to the `need` field: a query weighs them above
# its body (the pain it describes and where), a document like its body.
BODY, NEED, ASIDE, BOILERPLATE = "body", "need", "aside", "boilerplate"
_SENTENCES = re.compile(r"[^。;；!！?？\n]+")
_CLAUSES = re.compile(r"[^,，:：]+")
# what the poster already has: the clause and the rest of its sentence
EXISTING_CUES = re.compile(
    r"已(?:建有|建成|建设|建|有|上线|安装|装|部署|使用|开通|完成|覆盖|接入|配备|采用|引入)"
    r"|多已|均已|大多已"
)
# a system to connect to or keep: this clause only
INTEGRATION_CUES = re.compile(r"现有|原有|既有|各自使用|(?<!供)需(?:要)?(?:与|和)?对接|对接现有")
# a turn back to the need ends an existing-systems stretch
NEED_CUES = re.compile(r"但|却|缺|不足|希望|计划|拟|要求|亟需|急需")
# what the poster wants: from the clause on to the end of its sentence. A strong cue
# anywhere in a clause, or a clause opening with a plan (计划…, 拟…, 需要…): inside a clause
# these words are usually nouns (生产计划, 合规要求, 虚拟).
WANT_CUES = re.compile(
    r"希望|期望|期盼|盼望|想要|亟需|亟待|急需|迫切"
    r"|^\s*(?:我们|本单位|我单位|我局|我院|我校|我司)?"
    r"(?:计划(?![员表书单])|拟|需要|要求|打算|准备|力争|争取|考虑)"
)
# a firm describing itself rather than its product: this clause only, or the whole
# sentence when it opens with the firm as subject (公司注重…). The predicates are specific
# on purpose: a firm posting a need also writes 公司在…, 公司与… about its own operations.
_FIRM = r"(?:本公司|我公司|公司)(?:注重|具备|拥有|入驻|通过|获|成立|总部|坚持|致力|为国家|在\S{1,6}设有)"
BOILERPLATE_CUES = re.compile(
    _FIRM + r"|核心团队|研发团队|高新技术企业|专精特新|发明专利|软件著作权"
    r"|(?:通过|取得)\S*(?:认证|测评)|(?:具备|拥有|取得|获得)\S*(?:资质|证书)"
    r"|落地案例|客户包括|客户覆盖|驻场|运维保障|7\s?[×x*]\s?24|分支机构|区域总部|办事处"
    r"|营业收入|研发投入|联合实验室|私有化部署|订阅|定制开发|试点先行|分期建设|分期付费"
    r"|项目周期|现场调研|交付项目|服务网络"
)
FIRM_SUBJECT = re.compile(r"\s*" + _FIRM)


@dataclass(frozen=True, slots=True)
class Features:
    """Tokens of each field, character bigrams and the structured labels of one listing."""

    title: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    need: tuple[str, ...] = ()  # description clauses saying what is wanted (希望…, 需要…)
    aside: tuple[str, ...] = ()  # description clauses about existing systems to keep or connect
    boilerplate: tuple[str, ...] = ()  # description clauses where a firm describes itself
    chars: tuple[str, ...] = ()
    tag_labels: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    district: str = ""
    is_local: bool | None = None

    def labels(self) -> Features:
        """The structured labels alone (what an index keeps per row besides its vectors)."""
        return Features(
            tag_labels=self.tag_labels,
            domains=self.domains,
            district=self.district,
            is_local=self.is_local,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict for storing with the listing: each token field as one string.

        Tokens never hold whitespace (the tokenizer drops it), so a space joins them; a few
        strings per listing decode many times faster than thousands of list items.
        """
        data: dict[str, Any] = {"v": FEATURES_VERSION}
        data.update({name: JOIN.join(getattr(self, name)) for name in TOKEN_FIELDS})
        data.update(
            tag_labels=list(self.tag_labels),
            domains=list(self.domains),
            district=self.district,
            is_local=self.is_local,
        )
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Features:
        """Rebuild from to_json() output; a stale version raises ValueError."""
        if data.get("v") != FEATURES_VERSION:
            raise ValueError(
                f"stored features are version {data.get('v')}, need {FEATURES_VERSION}"
            )
        return cls(
            **{name: _split(data[name]) for name in TOKEN_FIELDS},
            tag_labels=tuple(data["tag_labels"]),
            domains=tuple(data["domains"]),
            district=data["district"],
            is_local=data["is_local"],
        )


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split(JOIN)) if text else ()


def char_bigrams(tokens: Sequence[str]) -> list[str]:
    """CJK character bigrams inside words and across runs of single characters.

    A word the dictionary lacks falls apart into single characters (HMM is off); joining
    such runs recovers its bigrams, while known words keep their own boundaries.
    """
    grams: list[str] = []
    run: list[str] = []
    memo = _TOKEN_GRAMS
    for token in tokens:
        own = memo.get(token, _UNSEEN)
        if own is _UNSEEN:
            own = _token_grams(token)
            if len(memo) < MAX_MEMO_TOKENS:
                memo[token] = own
        if own is None:  # a lone CJK character: part of a run
            run.append(token)
            continue
        if run:
            _add_bigrams(grams, "".join(run))
            run = []
        grams.extend(own)
    if run:
        _add_bigrams(grams, "".join(run))
    return grams


# Tokens repeat endlessly across listings: each one's own bigrams are worked out once.
MAX_MEMO_TOKENS = 200_000
# a memo miss: only its identity matters (a tuple, so the memo's values keep one type)
_UNSEEN: tuple[str, ...] = ("",)
_TOKEN_GRAMS: dict[str, tuple[str, ...] | None] = {}


def _token_grams(token: str) -> tuple[str, ...] | None:
    """A token's own bigrams, or None for a single CJK character (joined into runs)."""
    if len(token) == 1 and _CJK.match(token):
        return None
    grams: list[str] = []
    _add_bigrams(grams, token)
    return tuple(grams)


_CJK_RUNS = re.compile(r"[\u4e00-\u9fff]{2,}")


def _add_bigrams(grams: list[str], text: str) -> None:
    if len(text) == 2 and _CJK_RUNS.fullmatch(text):  # most words: the word is its bigram
        grams.append(text)
        return
    for run in _CJK_RUNS.findall(text):
        grams.extend([run[i : i + 2] for i in range(len(run) - 1)])


def context_clauses(text: str) -> list[tuple[str, str]]:
    """Clauses of a description in order, each with its field: BODY, NEED, ASIDE or
    BOILERPLATE.

    A clause with an existing-system cue starts an ASIDE stretch that runs to the end of
    its sentence unless a clause turns back to the need (但…, 希望…); a clause with an
    integration cue is ASIDE on its own. Outside an ASIDE stretch, a clause with a want cue
    (希望…, or opening with 计划…, 拟…) starts a NEED stretch to the end of its sentence. A
    clause with a boilerplate cue is BOILERPLATE, and so is a whole sentence opening with
    the firm as its subject (公司注重…, 公司在…设有).
    The cues are simplified: a traditional description is converted first (現有 → 现有).
    """
    out: list[tuple[str, str]] = []
    for sentence in _SENTENCES.findall(to_simplified(text)):
        existing = False
        wanted = False
        firm = bool(FIRM_SUBJECT.match(sentence))
        for clause in _CLAUSES.findall(sentence):
            if EXISTING_CUES.search(clause):
                existing = True
                wanted = False
            elif existing and NEED_CUES.search(clause):
                existing = False
            if not existing and WANT_CUES.search(clause):
                wanted = True
            if firm or BOILERPLATE_CUES.search(clause):
                out.append((clause, BOILERPLATE))
            elif existing or INTEGRATION_CUES.search(clause):
                out.append((clause, ASIDE))
            else:
                out.append((clause, NEED if wanted else BODY))
    return out


class Featurizer:
    """Turns listings into Features with one tokenizer (the costly step: jieba)."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        """Use the given tokenizer."""
        self.tokenizer = tokenizer

    def features(self, listing: Listing) -> Features:
        """Tokenise every field of a listing."""
        clauses = context_clauses(listing.description)
        cut = self.tokenizer.tokens_many(
            [listing.title, *listing.tags, *(clause for clause, _field in clauses)]
        )
        title = cut[0]
        tag_tokens = cut[1 : 1 + len(listing.tags)]
        tags = [t for tag in tag_tokens for t in tag]
        fields: dict[str, list[str]] = {BODY: [], NEED: [], ASIDE: [], BOILERPLATE: []}
        body_grams: list[str] = []  # per clause: a run of single characters ends at a comma
        for (_clause, field), clause_tokens in zip(
            clauses, cut[1 + len(listing.tags) :], strict=True
        ):
            fields[field].extend(clause_tokens)
            if field in (BODY, NEED):
                body_grams.extend(char_bigrams(clause_tokens))
        body = fields[BODY]
        return Features(
            title=tuple(title),
            tags=tuple(tags),
            body=tuple(body),
            need=tuple(fields[NEED]),
            aside=tuple(fields[ASIDE]),
            boilerplate=tuple(fields[BOILERPLATE]),
            chars=tuple(
                char_bigrams(title)
                + [g for tag in tag_tokens for g in char_bigrams(tag)]
                + body_grams
            ),
            tag_labels=tuple(
                dict.fromkeys(normalise(t).strip() for t in listing.tags if t.strip())
            ),
            domains=tuple(listing.domains),
            district=listing.district,
            is_local=listing.is_local,
        )
