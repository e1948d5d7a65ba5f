"""Login forms. Every message names its field in Chinese, so the person knows what to fix."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from qitong.enterprises.validators import normalize_phone, validate_credit_code

NOT_MOBILE = "手机号码应为 11 位手机号（验证码只能发送到手机）"


class StaffLoginForm(forms.Form):
    username = forms.CharField(
        label="用户名",
        max_length=150,
        error_messages={"required": "请填写用户名", "max_length": "用户名不能超过 150 个字符"},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        error_messages={"required": "请填写密码"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OtpCodeForm(forms.Form):
    code = forms.CharField(
        label="6 位验证码",
        max_length=8,
        error_messages={"required": "请输入身份验证器上的 6 位数字"},
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
            }
        ),
    )


class EnterpriseLoginForm(forms.Form):
    credit_code = forms.CharField(
        label="统一社会信用代码",
        max_length=18,
        error_messages={
            "required": "请填写统一社会信用代码",
            "max_length": "统一社会信用代码应为 18 位，当前为 %(show_value)d 位",
        },
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    phone = forms.CharField(
        label="手机号码",
        max_length=20,
        error_messages={"required": "请填写手机号码", "max_length": "手机号码过长，请核对"},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    code = forms.CharField(
        label="短信验证码",
        max_length=6,
        required=False,
        error_messages={"max_length": "短信验证码为 6 位数字"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "placeholder": "6 位数字",
            }
        ),
    )

    def clean_credit_code(self) -> str:
        value: str = self.cleaned_data["credit_code"].strip().upper()
        validate_credit_code(value)
        return value

    def clean_phone(self) -> str:
        try:
            phone = normalize_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            if exc.code == "mobile":  # "手机号码应为 1 开头的 11 位数字（当前 N 位）"
                raise
            raise ValidationError(NOT_MOBILE) from exc
        if phone.kind != "mobile":
            raise ValidationError(NOT_MOBILE)
        return phone.number
