"""USCC (GB 32100-2015), phone and password rules."""

from __future__ import annotations

import pytest

from app.validators import normalize_uscc, password_error, phone_error, uscc_check_char, uscc_error


def test_the_example_code_of_the_standard_is_valid() -> None:
    assert uscc_error("91350100M000100Y43") is None


def test_the_check_character_follows_the_weights_and_modulus_31() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"
    # all zeros but the first: 9 * 1 = 9, 31 - 9 = 22 -> 'N'
    assert uscc_check_char("9" + "0" * 16) == "N"
    # a sum divisible by 31 gives check value 0, not 31
    assert uscc_check_char("0" * 17) == "0"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "应为18位，当前为0位"),
        ("91350100M000100Y4", "当前为17位"),
        ("91350100M000100Y433", "当前为19位"),
        ("91350100M000100Y44", "校验位不正确"),
        ("91350100M0001I0Y43", "不允许的字符：I"),
        ("9135010OM000100Y43", "不允许的字符：O"),
        ("91AB0100M000100Y43", "行政区划码"),
        ("９１350100M000100Y43", "不允许的字符"),
    ],
)
def test_wrong_codes_say_what_is_wrong(code: str, message: str) -> None:
    assert message in (uscc_error(code) or "")


def test_codes_are_normalised_before_checking() -> None:
    assert normalize_uscc(" 9135 0100m000100y43\n") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "phone", ["13805310001", "0531-88888888", "053188888888", "0531-8888888-123"]
)
def test_mobiles_and_landlines_are_accepted(phone: str) -> None:
    assert phone_error(phone) is None


@pytest.mark.parametrize("phone", ["", "12345", "1380531000", "abc", "+86 138 0531 0001"])
def test_other_phone_numbers_are_refused(phone: str) -> None:
    assert phone_error(phone)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("12345678a", "长度应为12至128位，当前为9位"),  # found by the assessors
        ("password1", "长度应为12至128位"),  # found by the assessors
        ("Abcdefgh12!", "当前为11位"),
        ("Abcdefgh12!" + "x" * 118, "当前为129位"),
        ("abcdefghijkl", "至少3类，当前只有1类"),
        ("abcdefgh1234", "至少3类，当前只有2类"),
        # a common word with a year and a symbol is the first thing a guesser tries
        ("Password2026!", "常见密码"),
        ("PASSWORD2026!", "常见密码"),
        ("!!Qwertyuiop1", "常见密码"),
        ("1314Woaini!!", "常见密码"),  # the Chinese list: 我爱你 with 一生一世
        ("Jinanshi2026#", "常见密码"),
    ],
)
def test_weak_passwords_are_refused_naming_the_rule(password: str, message: str) -> None:
    error = password_error(password)
    assert error is not None
    assert message in error


def test_a_password_may_not_contain_the_email_name() -> None:
    error = password_error("xZhaoGong#2026", email="zhaogong@example.com")
    assert error == "密码不能包含登录邮箱 @ 前面的部分。"
    # a two-letter name is too short to mean anything
    assert password_error("Lake-Bridge-47", email="ke@example.com") is None


def test_a_password_may_not_contain_the_credit_code() -> None:
    error = password_error("a91350100M000100Y43!", uscc="91350100M000100Y43")
    assert error == "密码不能包含统一社会信用代码。"


@pytest.mark.parametrize(
    "password", ["Lake-Bridge-47", "泉城Spring-2026", "Abcdefgh12!" + "x" * 117, "correct horse 9B"]
)
def test_good_passwords_are_accepted(password: str) -> None:
    assert password_error(password, email="zhao@example.com", uscc="91350100M000100Y43") is None
