"""Credit-code and phone validation, written here rather than imported (the rules are short
and we want messages that tell the caller exactly what is wrong).

GB 32100-2015 统一社会信用代码: 18 characters from 0-9 and A-Z without I, O, Z, S, V;
position 18 is a check character over positions 1-17 (weights 3^i mod 31). Positions 9-17 are
the GB 11714 organisation code whose own check character (position 17) is only advisory: many
legitimately issued codes predate it, so a mismatch is reported as a warning, not an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
FORBIDDEN_LETTERS = "IOZSV"
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 (which must be in the alphabet)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate_credit_code(value: str) -> None:
    """Raise ValidationError naming what is wrong with a credit code (model/form/API share it)."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            "统一社会信用代码应为 18 位，当前为 %(n)d 位", code="length", params={"n": len(code)}
        )
    bad = [c for c in code if c in FORBIDDEN_LETTERS]
    if bad:
        raise ValidationError(
            "统一社会信用代码不能含字母 I、O、Z、S、V（发现 %(c)s）",
            code="forbidden_letter",
            params={"c": "、".join(dict.fromkeys(bad))},
        )
    invalid = [c for c in code if c not in USCC_ALPHABET]
    if invalid:
        raise ValidationError(
            "统一社会信用代码只能由数字和大写字母组成（发现 %(c)s）",
            code="invalid_character",
            params={"c": "".join(dict.fromkeys(invalid))},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            "统一社会信用代码第 3-8 位应为登记管理机关行政区划码（6 位数字）", code="region"
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            "统一社会信用代码校验位（第 18 位）不正确：应为 %(e)s，实为 %(a)s，请核对是否抄错",
            code="check_char",
            params={"e": expected, "a": code[17]},
        )


def credit_code_warnings(value: str) -> list[str]:
    """Advisory findings that do not block saving (the inner organisation-code check)."""
    code = (value or "").strip().upper()
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code[8:17]):
        return []
    if org_code_check_char(code[8:16]) != code[16]:
        return ["组织机构代码（第 9-17 位）的校验位与标准不符，请核对（不影响保存）"]
    return []


MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))([2-9]\d{6,7})(?:\D*(\d{1,6}))?$")


@dataclass(frozen=True)
class Phone:
    number: str  # normalised: 13812345678 or 0471-6601234 (or 0471-6601234-806)
    kind: str  # "mobile" | "landline"


def normalize_phone(raw: str) -> Phone:
    """Strip +86/0086, spaces, hyphens and brackets; classify and validate.

    A landline needs its area code (a caller's desk may be anywhere in the region).
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError("请填写电话号码", code="required")
    extension = ""
    match = re.search(r"(?:转|ext\.?|#|x)\s*(\d{1,6})$", text, flags=re.IGNORECASE)
    if match:
        extension, text = match.group(1), text[: match.start()]
    digits = re.sub(r"[\s\-()（）.]", "", text)
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("86"):
            raise ValidationError("只支持中国大陆号码（+86）", code="country")
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit():
        raise ValidationError("电话号码只能包含数字、空格、连字符和 +86 前缀", code="characters")
    if digits.startswith("1"):
        if not MOBILE_RE.match(digits):
            raise ValidationError(
                "手机号码应为 1 开头的 11 位数字（当前 %(n)d 位）",
                code="mobile",
                params={"n": len(digits)},
            )
        return Phone(digits, "mobile")
    landline = LANDLINE_RE.match(digits)
    if not landline:
        raise ValidationError("固定电话应含区号，如 0471-6601234", code="landline")
    area, local, ext = landline.groups()
    number = f"{area}-{local}"
    if ext or extension:
        number += f"-{ext or extension}"
    return Phone(number, "landline")


def validate_phone(value: str) -> None:
    normalize_phone(value)
