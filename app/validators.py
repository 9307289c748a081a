"""Pure validators for what people type: control characters, USCC, phone numbers, passwords,
and the `next` path of a redirect."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import urlsplit

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


def password_error(password: str, *, email: str = "", uscc: str = "") -> str | None:
    """Why a password breaks the policy, in Chinese; None when it is acceptable."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return f"密码长度应为{PASSWORD_MIN}至{PASSWORD_MAX}位，当前为{len(password)}位。"
    classes = sum(bool(pattern.search(password)) for pattern in _CLASSES)
    if classes < PASSWORD_MIN_CLASSES:
        return f"密码须包含大写字母、小写字母、数字、符号中的至少3类，当前只有{classes}类。"
    if is_common_password(password):
        return "该密码是常见密码（或常见密码加上数字、符号），容易被猜中，请换一个。"
    lowered = password.lower()
    local = email.split("@", 1)[0].strip().lower()
    if len(local) >= 3 and local in lowered:
        return "密码不能包含登录邮箱 @ 前面的部分。"
    if uscc and uscc.strip().lower() in lowered:
        return "密码不能包含统一社会信用代码。"
    return None


PASSWORD_MIN = 12
PASSWORD_MAX = 128
PASSWORD_MIN_CLASSES = 3
_CLASSES = (
    re.compile(r"[a-z]"),
    re.compile(r"[A-Z]"),
    re.compile(r"\d"),
    re.compile(r"[^A-Za-z\d]"),
)
# digits and symbols people add around a common word ("Password2026!", "1314woaini")
_PADDING = re.compile(r"^[\d\W_]+|[\d\W_]+$")
# shorter cores are too common as parts of good passwords to refuse on their own
_MIN_CORE = 4
COMMON_ZH = Path(__file__).resolve().parent.parent / "seed" / "security" / "common_passwords_zh.txt"


def is_common_password(password: str) -> bool:
    """In the common lists, as typed or once the digits and symbols around it are removed."""
    lowered = password.lower()
    core = _PADDING.sub("", lowered)
    common = common_passwords()
    return lowered in common or (len(core) >= _MIN_CORE and core in common)


@functools.cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of leaked passwords plus our list of Chinese patterns, lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = {word.lower() for word in FREQUENCY_LISTS["passwords"]}
    for line in COMMON_ZH.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words.add(line.strip().lower())
    return frozenset(words)


def safe_next(target: str | None) -> str | None:
    """A same-site path to go to after sign-in, or None."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target
