"""Credit-code (GB 32100-2015) and phone validation, directly and through the model."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from qitong.enterprises.models import Enterprise
from qitong.enterprises.validators import (
    credit_code_warnings,
    normalize_phone,
    uscc_check_char,
    validate_credit_code,
)

VALID = ["914403001922038216", "9144030071526726XG", "91110000600037341L"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code: str) -> None:
    validate_credit_code(code)
    validate_credit_code(code.lower())  # input is case-insensitive
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("914403001922038217", "校验位（第 18 位）不正确：应为 6，实为 7"),
        ("9144030019220382S6", "不能含字母 I、O、Z、S、V（发现 S）"),
        ("9144030019220382Z6", "发现 Z"),
        ("9144030019220382V6", "发现 V"),
        ("", "应为 18 位，当前为 0 位"),
        ("91440300192203821", "当前为 17 位"),
        ("9144030019220382160", "当前为 19 位"),
        ("91440300192203821*", "只能由数字和大写字母组成（发现 *）"),
        ("91AB0300192203821X", "第 3-8 位应为登记管理机关行政区划码"),
    ],
)
def test_bad_codes_say_what_is_wrong(code: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert fragment in info.value.messages[0]


def test_inner_organisation_code_check_only_warns() -> None:
    # Positions 9-17 changed so the GB 11714 check fails; the 18th is recomputed so it's valid.
    body = "91440300192203829"
    code = body + uscc_check_char(body)
    validate_credit_code(code)
    assert credit_code_warnings(code) == [
        "组织机构代码（第 9-17 位）的校验位与标准不符，请核对（不影响保存）"
    ]
    assert credit_code_warnings("914403001922038216") == []


@pytest.mark.django_db
def test_model_full_clean_reports_the_credit_code_field(world) -> None:
    enterprise = Enterprise(
        credit_code="914403001922038217",
        name="甲",
        region=world.xincheng,
        industry="C",
        size="small",
    )
    with pytest.raises(ValidationError) as info:
        enterprise.full_clean()
    assert "校验位" in info.value.message_dict["credit_code"][0]


@pytest.mark.parametrize(
    ("raw", "number", "kind"),
    [
        ("13812345678", "13812345678", "mobile"),
        ("+86 138 1234 5678", "13812345678", "mobile"),
        ("+86-138-1234-5678", "13812345678", "mobile"),
        ("0086 13812345678", "13812345678", "mobile"),
        ("8613812345678", "13812345678", "mobile"),
        ("0471-6601234", "0471-6601234", "landline"),
        ("(0471) 660 1234", "0471-6601234", "landline"),
        ("010-87654321", "010-87654321", "landline"),
        ("0471-6601234转806", "0471-6601234-806", "landline"),
    ],
)
def test_phone_normalisation(raw: str, number: str, kind: str) -> None:
    phone = normalize_phone(raw)
    assert (phone.number, phone.kind) == (number, kind)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "请填写电话号码"),
        ("1381234567", "11 位数字（当前 10 位）"),
        ("12812345678", "1 开头的 11 位"),
        ("6601234", "固定电话应含区号"),
        ("+1 415 555 0100", "只支持中国大陆号码"),
        ("138abc45678", "只能包含数字"),
    ],
)
def test_bad_phones_say_what_is_wrong(raw: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_phone(raw)
    assert fragment in info.value.messages[0]
