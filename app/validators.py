"""Pure validators for what people type: control characters, USCC, phone numbers, passwords."""

from __future__ import annotations

import re

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_LENGTH = 18
# C0 controls except tab, line feed and carriage return, and DEL: invisible, and NUL is
# refused by PostgreSQL text columns (a 500) while SQLite stores it as sent
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = "不能包含控制字符（如 NUL 等不可见字符），请删除后重新输入。"
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def has_control_chars(text: str) -> bool:
    """Whether text holds a control character other than tab and line breaks."""
    return _CONTROL.search(text) is not None


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_error(code: str) -> str | None:
    """Why a unified social credit code is invalid, in Chinese; None when it is valid."""
    if len(code) != USCC_LENGTH:
        return f"统一社会信用代码应为18位，当前为{len(code)}位。"
    bad = sorted({ch for ch in code if ch not in USCC_CHARSET})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、Z、S、V）。"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3至8位应为行政区划码（数字）。"
    if uscc_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对后重新输入。"
    return None


def normalize_uscc(code: str) -> str:
    """Upper-case and strip spaces, as people paste codes in many forms."""
    return re.sub(r"\s+", "", code).upper()


def phone_error(phone: str) -> str | None:
    """Why a phone number is invalid, in Chinese; None when it is a mobile or landline."""
    if _PHONE.match(phone.strip()):
        return None
    return "请输入11位手机号或带区号的固定电话，如 0531-88888888。"


def password_error(password: str) -> str | None:
    """Why a password is too weak, in Chinese; None when it is acceptable."""
    if len(password) < 8:
        return "密码至少8位。"
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        return "密码须同时包含字母和数字。"
    return None
