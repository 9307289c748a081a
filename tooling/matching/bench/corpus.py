"""A deterministic synthetic corpus at city scale, built from the seed vocabulary.

Capabilities and scenarios are `Listing`s whose texts are sentence frames filled with words of
`seed/matching/dict.txt` (grouped by its section comments), the taxonomy's domains, tags and
districts, the synonym groups of `seed/matching/synonyms*.txt` when there are any, and a small
generic vocabulary written here. Word choice is Zipf-like (a few very common words, a long tail),
so posting lists have the skew of real text.

Listing i depends only on (seed, kind, i): a small corpus is a prefix of a large one.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.matching.types import Listing

SEED_ROOT = Path(__file__).resolve().parents[3] / "seed"
DICT_PATH = SEED_ROOT / "matching" / "dict.txt"
SYNONYMS_GLOB = "synonyms*.txt"  # synonyms.txt or parts such as synonyms_a.txt
TAXONOMY_PATH = SEED_ROOT / "taxonomy.json"
DEFAULT_SEED = 20_240_601
LOCAL_SHARE = 0.85


def _words(text: str) -> tuple[str, ...]:
    """Split a space-separated word list."""
    return tuple(text.split())


# Sections of dict.txt (its `# name` comment lines) and the taxonomy domains they describe.
SECTION_DOMAINS = {
    "government": ("智慧政务",),
    "city governance": ("城市治理",),
    "traffic": ("智慧交通",),
    "health": ("智慧医疗",),
    "education": ("智慧教育",),
    "finance": ("金融科技",),
    "culture and tourism": ("智慧文旅",),
    "agriculture": ("智慧农业",),
    "energy and environment": ("能源双碳", "生态环保"),
    "safety and emergency": ("公共安全应急",),
    "logistics and commerce": ("商贸物流",),
    "community": ("智慧社区",),
}
TECH_SECTIONS = {"technology", "common abbreviations"}
PLACE_SECTIONS = {"jinan places"}
# 工业制造 has no section of its own: it takes the technology words about plants and machines.
INDUSTRY_MARKERS = _words(
    "工业 制造 生产 设备 机器人 机床 排产 仓储 供应链 质量 能耗 车间 工厂 仿真 设计 维护 "
    "诊断 MES ERP PLC SCADA DCS APS PLM CAD CAE CAM AGV WMS"
)


# Generic vocabulary of listings, most common first (the head of the Zipf curve).
NOUNS = _words(
    "系统 平台 数据 业务 服务 管理 信息 能力 应用 流程 资源 模块 接口 终端 设备 指标 模型 "
    "场景 需求 方案 标准 规范 机制 体系 中心 窗口 报表 台账 工单 档案 事项 材料 任务 事件 "
    "线索 预案 知识库 驾驶舱 大屏 看板 地图 画像 目录 清单 算法 引擎 门户 小程序 客户端 "
    "网关 链路 节点 集群 账号 权限 日志 告警 评价 考核 成本 效率 质量 风险 隐患 问题"
)
VERBS = _words(
    "建设 管理 监测 分析 预警 调度 共享 整合 采集 处理 识别 统计 查询 审核 上报 推送 展示 "
    "优化 提升 降低 覆盖 对接 部署 运维 研判 核查 协同 联动 追溯 评估 预测 检索 归集 治理 "
    "汇聚 比对 派发 闭环 留痕 备案 巡查 督办 排查 服务"
)
ADJECTIVES = _words(
    "实时 智能 统一 精准 高效 便捷 安全 可靠 全流程 一体化 自动 动态 多维 标准化 "
    "可视化 集约化 精细化 全天候 跨部门 跨层级 低成本 轻量化 国产化 自主可控"
)
CUSTOMERS = _words(
    "政府部门 街道 社区 园区 企业 医院 学校 景区 银行 工厂 车间 物流企业 物业 乡镇 "
    "医疗机构 监管部门 执法部门 行业主管部门 中小企业 链主企业"
)
PUBLISHERS = _words(
    "市大数据局 区政务服务中心 市交通运输局 市卫生健康委 市教育局 市城管局 "
    "市应急管理局 市生态环境局 市农业农村局 市商务局 市文旅局 街道办事处 "
    "区住建局 市公安局 市医保局 市工信局 市市场监管局 管委会"
)
DEPLOYMENTS = _words("政务云 私有云 公有云 混合云 国产化软硬件 边缘节点 本地机房 专网")
UNITS = _words("个部门 个街道 个社区 家医院 所学校 个园区 个路口 个景区 家企业 个乡镇")
TITLE_SUFFIXES_CAP = _words("平台 系统 解决方案 服务 一体机 管理系统 监测系统 云平台 应用 套件")
TITLE_SUFFIXES_SCN = _words("应用场景 建设 改造 试点 项目 能力提升 平台建设 场景需求")

CAPABILITY_FRAMES = (
    "面向{C}提供{T}{N}服务",
    "基于{T}技术构建{D}{N}",
    "实现{D}与{D2}的{A}{V}",
    "支持{T}对接{D}系统",
    "通过{T}和{T2}提升{D}{N}效率",
    "平台集成{D}、{D2}和{T}等模块",
    "可部署在{E}环境，支持{A}{V}",
    "已在{P}等地{D}场景中规模应用",
    "具备{D}、{T}{V}和{N}{V2}能力",
    "提供{D}的{V}、{V2}和{N}{V3}功能",
    "采用{T}架构，支持{A}{N}{V}",
    "帮助{C}降低{D}{N}成本",
    "覆盖{K}{U}，{D}{N}准确率达到{K2}%以上",
    "结合{T2}与{D}数据，形成{A}{N}",
)
SCENARIO_FRAMES = (
    "{P}{O}在{D}方面主要依靠人工{V}",
    "现有{D}系统与{D2}之间数据不通",
    "需要建设{D}{N}，实现{D2}{V}和{N2}{V2}",
    "希望引入{T}技术，提升{D}{N}水平",
    "存在{D}{V}不及时、{N}{V2}不准确等问题",
    "要求支持{T}对接，并适配{E}环境",
    "预期{D}效率提高{K2}%以上",
    "覆盖{K}{U}的{D}{N}",
    "目前{D}数据分散在多个部门，{N}{V}难",
    "计划试点{T}{D}应用，形成{A}{N}",
    "群众和企业反映{D}{N}办理慢",
    "需与{D}平台{V}，做到{A}{V2}",
)
SENTENCE_ENDS = ("。", "。", "；", "，")


@dataclass(frozen=True)
class Vocabulary:
    """Weighted word pools: generic parts of speech, technology, places and one pool per domain."""

    domains: tuple[str, ...]
    tags: tuple[str, ...]
    districts: tuple[str, ...]
    pools: dict[str, tuple[tuple[str, ...], tuple[float, ...]]]
    synonyms: dict[str, tuple[str, ...]]
    dictionary_words: int

    @property
    def size(self) -> int:
        """Return the number of distinct words the generator can emit."""
        words = {w for pool, _ in self.pools.values() for w in pool}
        words.update(w for group in self.synonyms.values() for w in group)
        return len(words)


def zipf_pool(
    words: Sequence[str], exponent: float = 1.05
) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Return words with cumulative Zipf weights by position (first is most common)."""
    unique = tuple(dict.fromkeys(w for w in words if w))
    weights = [1.0 / (rank + 2.7) ** exponent for rank in range(len(unique))]
    return unique, tuple(itertools.accumulate(weights))


def read_dictionary(path: Path) -> dict[str, list[str]]:
    """Return dict.txt words grouped by section name (lower-cased comment text)."""
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in path.read_text(encoding="utf-8-sig").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            name = line.lstrip("#").strip().lower()
            # Header prose (long, with punctuation) is not a section name.
            if name and len(name) <= 40 and ":" not in name and "," not in name:
                current = name
            continue
        sections.setdefault(current, []).append(line.split()[0])
    return sections


def read_synonyms(*paths: Path) -> list[tuple[str, ...]]:
    """Return synonym groups (`a ~ b ~ c` lines; `#` comments) of the files that exist."""
    groups = []
    for path in paths:
        if not path.exists():
            continue
        for raw in path.read_text(encoding="utf-8-sig").splitlines():
            line = raw.split("#", 1)[0].strip()
            members = tuple(m.strip() for m in line.split("~") if m.strip())
            if len(members) > 1:
                groups.append(members)
    return groups


def synonym_files(folder: Path = SEED_ROOT / "matching") -> list[Path]:
    """Return the synonym files of the seed folder, in name order (none if there are none)."""
    return sorted(folder.glob(SYNONYMS_GLOB))


def load_vocabulary(
    dict_path: Path = DICT_PATH,
    taxonomy_path: Path = TAXONOMY_PATH,
    synonyms_paths: Sequence[Path] | None = None,
    seed: int = DEFAULT_SEED,
) -> Vocabulary:
    """Build the weighted pools from the seed files (word order shuffled by seed for Zipf ranks)."""
    taxonomy = json.loads(taxonomy_path.read_text(encoding="utf-8"))
    domains = tuple(taxonomy["domain"])
    tags = tuple(taxonomy["tag"])
    districts = tuple(taxonomy["district"])
    sections = read_dictionary(dict_path)
    rng = random.Random(seed)  # noqa: S311 -- a reproducible corpus, not secrets

    tech: list[str] = []
    places: list[str] = list(districts)
    general: list[str] = []
    by_domain: dict[str, list[str]] = {d: [d] for d in domains}
    for name, words in sections.items():
        if name in TECH_SECTIONS:
            tech += words
        elif name in PLACE_SECTIONS:
            places += words
        elif name in SECTION_DOMAINS:
            for domain in SECTION_DOMAINS[name]:
                by_domain.setdefault(domain, []).extend(words)
        else:
            general += words
    industry = [w for w in tech if any(m in w for m in INDUSTRY_MARKERS)]
    by_domain.setdefault("工业制造", []).extend(industry)
    tech += [t for tag in tags for t in tag.split("/")]
    groups = read_synonyms(*(synonym_files() if synonyms_paths is None else synonyms_paths))
    synonyms: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for member in group:
            synonyms.setdefault(member, group)
    # Synonym members widen the long tail: real listings use far more words than the dictionary.
    general += [member for group in groups for member in group]

    def shuffled(words: Sequence[str]) -> list[str]:
        words = list(dict.fromkeys(words))
        rng.shuffle(words)
        return words

    pools = {
        "N": zipf_pool(NOUNS, 0.9),
        "V": zipf_pool(VERBS, 0.9),
        "A": zipf_pool(ADJECTIVES, 0.9),
        "C": zipf_pool(CUSTOMERS, 0.9),
        "O": zipf_pool(PUBLISHERS, 0.9),
        "E": zipf_pool(DEPLOYMENTS, 0.9),
        "U": zipf_pool(UNITS, 0.9),
        "P": zipf_pool(shuffled(places), 0.8),
        "T": zipf_pool(shuffled(tech), 1.05),
        # Words of unknown sections and of every domain, as a long tail shared by all listings.
        "G": zipf_pool(shuffled(general + [w for ws in by_domain.values() for w in ws]), 1.1),
    }
    for domain in domains:
        pools[f"D:{domain}"] = zipf_pool(shuffled(by_domain.get(domain) or [domain]), 1.0)
    dictionary_words = sum(len(ws) for ws in sections.values())
    return Vocabulary(domains, tags, districts, pools, synonyms, dictionary_words)


class _Writer:
    """Fills frames for one listing from its own seeded RNG."""

    def __init__(self, vocabulary: Vocabulary, rng: random.Random, domains: Sequence[str]) -> None:
        self.v = vocabulary
        self.rng = rng
        self.domains = domains

    def pick(self, pool: str) -> str:
        """Return one word of a pool by its Zipf weight (a synonym in a third of cases)."""
        words, cumulative = self.v.pools[pool]
        word = words[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]
        group = self.v.synonyms.get(word)
        if group and self.rng.random() < 0.33:
            word = self.rng.choice(group)
        return word

    def domain_word(self) -> str:
        """Return a word of one of the listing's domains, sometimes of the long tail."""
        if self.rng.random() < 0.15:
            return self.pick("G")
        return self.pick(f"D:{self.rng.choice(self.domains)}")

    def fill(self, frame: str) -> str:
        """Fill every {slot} of a frame."""
        rng = self.rng
        values = {
            "D": self.domain_word(),
            "D2": self.domain_word(),
            "T": self.pick("T"),
            "T2": self.pick("T"),
            "N": self.pick("N"),
            "N2": self.pick("N"),
            "V": self.pick("V"),
            "V2": self.pick("V"),
            "V3": self.pick("V"),
            "A": self.pick("A"),
            "C": self.pick("C"),
            "O": self.pick("O"),
            "E": self.pick("E"),
            "U": self.pick("U"),
            "P": self.pick("P"),
            "K": str(rng.randint(3, 300)),
            "K2": str(rng.randint(20, 99)),
        }
        return frame.format_map(values)

    def text(self, frames: Sequence[str], low: int, high: int) -> str:
        """Return sentences of frames until a length drawn in [low, high] is reached."""
        target = self.rng.randint(low, high)
        parts: list[str] = []
        length = 0
        while length < target:
            sentence = self.fill(self.rng.choice(frames)) + self.rng.choice(SENTENCE_ENDS)
            parts.append(sentence)
            length += len(sentence)
        text = "".join(parts)
        if len(text) > high:
            text = text[:high]
        return text[:-1] + "。" if text[-1] in "，；" else text

    def title(self, suffixes: Sequence[str]) -> str:
        """Return a 6–20 character title: domain word, technology word, suffix."""
        for _ in range(20):
            head = self.domain_word()
            if self.rng.random() < 0.5:
                head = self.pick("T") + head
            title = head + self.rng.choice(suffixes)
            if len(title) < 6:
                title = self.pick("A") + title
            if 6 <= len(title) <= 20:
                return title
        return (title + "应用场景")[:20]

    def words(self, count: int) -> tuple[str, ...]:
        """Return count distinct keywords (domain and technology words)."""
        found: dict[str, None] = {}
        for _ in range(count * 10):
            if len(found) == count:
                break
            found[self.domain_word() if self.rng.random() < 0.7 else self.pick("T")] = None
        return tuple(found)


def _rng(seed: int, kind: int, index: int) -> random.Random:
    """Return the RNG of listing index of a kind (independent of every other listing)."""
    return random.Random(seed * 1_000_003 + kind * 100_000_007 + index)  # noqa: S311 -- reproducible


def capability(vocabulary: Vocabulary, index: int, seed: int = DEFAULT_SEED) -> Listing:
    """Return capability number index: 3–8 keywords, 1–3 domains, 85% local firms."""
    rng = _rng(seed, 1, index)
    domains = tuple(rng.sample(vocabulary.domains, rng.choice((1, 1, 1, 2, 2, 3))))
    writer = _Writer(vocabulary, rng, domains)
    is_local = rng.random() < LOCAL_SHARE
    return Listing(
        id=f"cap-{index:06d}",
        title=writer.title(TITLE_SUFFIXES_CAP),
        description=writer.text(CAPABILITY_FRAMES, 120, 300),
        tags=writer.words(rng.randint(3, 8)),
        domains=domains,
        district=rng.choice(vocabulary.districts) if is_local else "",
        is_local=is_local,
    )


def scenario(vocabulary: Vocabulary, index: int, seed: int = DEFAULT_SEED) -> Listing:
    """Return scenario number index: one domain, a district, 1–3 taxonomy tags."""
    rng = _rng(seed, 2, index)
    domains = (rng.choice(vocabulary.domains),)
    writer = _Writer(vocabulary, rng, domains)
    return Listing(
        id=f"scn-{index:05d}",
        title=writer.title(TITLE_SUFFIXES_SCN),
        description=writer.text(SCENARIO_FRAMES, 120, 300),
        tags=tuple(rng.sample(vocabulary.tags, rng.randint(1, 3))),
        domains=domains,
        district=rng.choice(vocabulary.districts),
    )


def capabilities(
    count: int, seed: int = DEFAULT_SEED, vocabulary: Vocabulary | None = None, start: int = 0
) -> list[Listing]:
    """Return capabilities start .. start + count - 1."""
    vocabulary = vocabulary or load_vocabulary(seed=seed)
    return [capability(vocabulary, i, seed) for i in range(start, start + count)]


def scenarios(
    count: int, seed: int = DEFAULT_SEED, vocabulary: Vocabulary | None = None, start: int = 0
) -> list[Listing]:
    """Return scenarios start .. start + count - 1."""
    vocabulary = vocabulary or load_vocabulary(seed=seed)
    return [scenario(vocabulary, i, seed) for i in range(start, start + count)]


def to_record(listing: Listing) -> dict[str, object]:
    """Return the dev-set JSONL record of a listing (what `python -m app.matching rank` reads)."""
    if listing.id.startswith("scn-"):
        return {
            "id": listing.id,
            "title": listing.title,
            "description": listing.description,
            "domain": listing.domains[0] if listing.domains else "",
            "district": listing.district,
            "tags": list(listing.tags),
        }
    return {
        "id": listing.id,
        "title": listing.title,
        "description": listing.description,
        "keywords": list(listing.tags),
        "domains": list(listing.domains),
        "district": listing.district,
        "is_local": listing.is_local,
    }


def from_record(record: dict[str, object]) -> Listing:
    """Return the Listing of a record written by to_record."""
    if "keywords" in record:
        return Listing(
            id=str(record["id"]),
            title=str(record["title"]),
            description=str(record["description"]),
            tags=tuple(record["keywords"]),  # type: ignore[arg-type]
            domains=tuple(record["domains"]),  # type: ignore[arg-type]
            district=str(record.get("district") or ""),
            is_local=record.get("is_local"),  # type: ignore[arg-type]
        )
    domain = str(record.get("domain") or "")
    return Listing(
        id=str(record["id"]),
        title=str(record["title"]),
        description=str(record["description"]),
        tags=tuple(record.get("tags") or ()),  # type: ignore[arg-type]
        domains=(domain,) if domain else (),
        district=str(record.get("district") or ""),
    )


def write_jsonl(path: Path, listings: Sequence[Listing]) -> None:
    """Write listings as dev-set JSONL records, one per line."""
    with path.open("w", encoding="utf-8") as handle:
        for listing in listings:
            handle.write(json.dumps(to_record(listing), ensure_ascii=False))
            handle.write("\n")


def read_jsonl(path: Path, limit: int | None = None) -> list[Listing]:
    """Read listings written by write_jsonl (the first limit lines when given)."""
    with path.open(encoding="utf-8") as handle:
        lines: Iterator[str] = iter(handle)
        if limit is not None:
            lines = itertools.islice(lines, limit)
        return [from_record(json.loads(line)) for line in lines]
