from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from qitong.enterprises.validators import normalize_phone, validate_credit_code


class StaffLoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label="密码", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class EnterpriseLoginForm(forms.Form):
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, min_length=1,
                                  widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}))
    phone = forms.CharField(label="手机号码", max_length=20,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    code = forms.CharField(label="短信验证码", max_length=6, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def clean_credit_code(self) -> str:
        value: str = self.cleaned_data["credit_code"].strip().upper()
        validate_credit_code(value)
        return value

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        if phone.kind != "mobile":
            raise ValidationError("请填写手机号码（验证码只能发送到手机）")
        return phone.number
