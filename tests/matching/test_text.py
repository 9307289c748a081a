"""Tokenizer: normalisation, user dictionary, stop words and hostile input."""

from __future__ import annotations

import logging
from pathlib import Path

import jieba
import pytest

from app.matching.text import MAX_CHARS, Tokenizer, is_content_token, parse_dict_line


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("推进数字孪生城市建设", "数字孪生"),
        ("基于5G专网的远程控制", "5g专网"),
        ("5G网络覆盖", "5g"),
        ("政务服务一网通办和电子证照", "一网通办"),
        ("设备预测性维护", "预测性维护"),
        ("历下区和济南高新区", "历下区"),
        ("采用SM4算法加密", "sm4"),
    ],
)
def test_dictionary_words_are_kept_whole(tokenizer: Tokenizer, text: str, word: str) -> None:
    assert word in tokenizer.tokens(text)


def test_english_is_lower_cased(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokens("BIM 与 GIS Platform") == ["bim", "gis", "platform"]


def test_full_width_forms_are_normalised(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokens("ＡＩ视觉检测") == ["ai", "视觉检测"]


def test_stop_words_punctuation_and_numbers_are_dropped(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokens("我们的平台，进行 2024 年 3.5% 的数据治理！")
    assert tokens == ["平台", "数据治理"]


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t ", "，。！？……【】", "😀🚀🎉", "Hello, World!", "醫院電子病歷系統"],
)
def test_hostile_text_gives_a_list(tokenizer: Tokenizer, text: str) -> None:
    tokens = tokenizer.tokens(text)
    assert isinstance(tokens, list)
    assert all(isinstance(t, str) and t.strip() for t in tokens)


@pytest.mark.parametrize(("text", "expected"), [("", []), ("😀🚀", []), ("！？", [])])
def test_contentless_text_has_no_tokens(tokenizer: Tokenizer, text: str, expected: list) -> None:
    assert tokenizer.tokens(text) == expected


def test_traditional_characters_are_converted(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokens("醫院電子病歷系統") == tokenizer.tokens("医院电子病历系统")


def test_very_long_text_is_truncated(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokens("物联网" * 100_000)
    assert tokens[0] == "物联网"
    assert sum(map(len, tokens)) == MAX_CHARS


def test_content_token_rules() -> None:
    assert is_content_token("5g")
    assert is_content_token("医保")
    assert not is_content_token("2024")
    assert not is_content_token("3.5%")
    assert not is_content_token("——")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("数字孪生 2000 n", ("数字孪生", 2000, "n")),
        ("BIM", ("bim", None, None)),
        ("云原生 n", ("云原生", None, "n")),
        ("云原生 30", ("云原生", 30, None)),
    ],
)
def test_parse_dict_line(line: str, expected: tuple) -> None:
    assert parse_dict_line(line) == expected


@pytest.mark.parametrize("line", ["词 abc n", "词 0", "词 10 n x", "词 10 名词", "！！ 10"])
def test_parse_dict_line_rejects_malformed(line: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_dict_line(line)


def test_bad_dictionary_lines_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dict_path = tmp_path / "dict.txt"
    dict_path.write_text("# comment\n坑槽巡检 n\n坑槽 lots of\n\n槽巡 5 n x\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="app.matching.text"):
        tokenizer = Tokenizer(dict_path, None)
    assert tokenizer.words_added == 1
    assert "dict.txt:3" in caplog.text
    assert "dict.txt:5" in caplog.text
    assert "坑槽巡检" in tokenizer.tokens("开展坑槽巡检")


def test_user_words_do_not_leak_into_global_jieba(tmp_path: Path) -> None:
    dict_path = tmp_path / "dict.txt"
    dict_path.write_text("坑槽巡检 9999 n\n", encoding="utf-8")
    Tokenizer(dict_path, None)
    assert "坑槽巡检" not in jieba.lcut("开展坑槽巡检", HMM=False)


def test_stop_words_file_allows_comments(tmp_path: Path) -> None:
    stop_path = tmp_path / "stop.txt"
    stop_path.write_text("# boilerplate\n数据\n", encoding="utf-8")
    tokenizer = Tokenizer(None, stop_path)
    assert tokenizer.stopwords == frozenset({"数据"})
    assert "数据" not in tokenizer.tokens("数据治理平台")


def test_without_stop_words_function_words_survive() -> None:
    assert "的" in Tokenizer(None, None).tokens("城市的治理")


@pytest.mark.parametrize(
    "texts",
    [
        ["标题", "已建有数字城管平台，但缺少路面病害识别。", "", "   ", "NB-IoT 与 5G"],
        ["换行\n之后", "带\x00空字符", "😀", "！！！", "醫院電子病歷"],
    ],
)
def test_cutting_many_texts_at_once_equals_cutting_each(
    tokenizer: Tokenizer, texts: list[str]
) -> None:
    assert tokenizer.tokens_many(texts) == [tokenizer.tokens(t.replace("\x00", "")) for t in texts]


def test_long_texts_cut_clause_by_clause_give_the_tokens_of_the_whole(
    tokenizer: Tokenizer,
) -> None:
    import json

    from app.matching.text import MAX_CACHED_TEXT, SEED_DIR

    demo = SEED_DIR.parent / "demo"
    texts = [
        "\n".join(str(v) for v in record.values() if isinstance(v, str))
        for name in ("scenarios.json", "capabilities.json")
        for record in json.loads((demo / name).read_text(encoding="utf-8"))
    ]
    texts += [
        "，".join(texts[:3]) + "NB-IoT，5G：LoRa；醫院電子病歷。" * 10,
        "没有标点" * 80,
        "。" * 300,
    ]
    long = [t for t in texts if len(t) > MAX_CACHED_TEXT]
    assert len(long) > 60
    fresh = Tokenizer()
    assert fresh.tokens_many(long) == [fresh.tokens(t) for t in long]
    clauses = [c for t in long[:5] for c in t.replace("。", "，").split("，") if c]
    fresh.tokens_many(clauses)  # remembered, as when features are cut first
    assert fresh.tokens_many(long[:5]) == [fresh.tokens(t) for t in long[:5]]
