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
    ("password", "ok"),
    [("abc12345", True), ("abc1234", False), ("abcdefgh", False), ("12345678", False)],
)
def test_passwords_need_length_letters_and_digits(password: str, ok: bool) -> None:
    assert (password_error(password) is None) is ok
