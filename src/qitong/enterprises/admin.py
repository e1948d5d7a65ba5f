"""Admin for enterprises and their contacts.

The credit code is checked by the same validator as the model and the API
(enterprises.validators.validate_credit_code), so the form shows its Chinese message: wrong
length, forbidden letter, wrong check character. The advisory organisation-code check
(`credit_code_warnings`) never blocks saving; it is shown as a warning after the save.
Contact phones are normalised (+86, spaces, hyphens) and classified as mobile or landline.
Enterprises are not deleted (tickets refer to them); every save is ledgered.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from qitong.directory.admin import city_filter
from qitong.directory.models import Region, RegionLevel
from qitong.enterprises.models import Contact, Enterprise
from qitong.enterprises.validators import (
    credit_code_warnings,
    normalize_phone,
    validate_credit_code,
)
from qitong.ledger.modeladmin import LedgeredModelAdmin


class EnterpriseAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    # Declared without max_length: a 17- or 19-character code must get the validator's
    # "应为 18 位" message, not Django's generic length message.
    credit_code = forms.CharField(
        label="统一社会信用代码",
        validators=[validate_credit_code],
        help_text="18 位数字或大写字母（不含 I、O、Z、S、V），第 18 位为校验位",
    )

    class Meta:
        model = Enterprise
        fields = (
            "credit_code",
            "name",
            "region",
            "address",
            "industry",
            "size",
            "legal_representative",
        )

    def clean_credit_code(self) -> str:
        return str(self.cleaned_data["credit_code"]).strip().upper()

    def clean_region(self) -> Region | None:
        region: Region | None = self.cleaned_data.get("region")
        if region is not None and region.level != RegionLevel.COUNTY:
            raise ValidationError("请选择企业所在的旗县市区（第三级区划），而不是盟市或自治区")
        return region


class ContactInlineForm(forms.ModelForm):  # type: ignore[type-arg]
    phone = forms.CharField(
        label="电话",
        max_length=40,
        help_text="手机 11 位；固话含区号，如 0471-6601234；可带 +86、空格或连字符",
    )

    class Meta:
        model = Contact
        fields = ("name", "position", "phone", "is_primary")

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        self.instance.phone_kind = phone.kind
        return phone.number


class ContactFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        primaries = [
            form
            for form in self.forms
            if form.cleaned_data.get("is_primary") and not form.cleaned_data.get("DELETE")
        ]
        if len(primaries) > 1:
            raise ValidationError("只能有一位主要联系人")


class ContactInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Contact
    form = ContactInlineForm
    formset = ContactFormSet
    fields = ("name", "position", "phone", "phone_kind", "is_primary")
    readonly_fields = ("phone_kind",)
    extra = 1


@admin.register(Enterprise)
class EnterpriseAdmin(LedgeredModelAdmin):
    form = EnterpriseAdminForm
    inlines = (ContactInline,)
    list_display = ("credit_code", "name", "region", "industry", "size", "created_at")
    list_filter = ("industry", "size", city_filter("region"))
    search_fields = ("credit_code", "name", "contacts__phone")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("credit_code", "name", "region", "address")}),
        ("分类", {"fields": ("industry", "size", "legal_representative", "created_at")}),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        for warning in credit_code_warnings(obj.credit_code):
            messages.warning(request, f"{obj.credit_code}：{warning}")
