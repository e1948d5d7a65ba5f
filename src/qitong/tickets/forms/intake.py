"""Filing an appeal: the desk's intake, the enterprise's online form, 登记新企业."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from qitong.accounts.actor import Actor
from qitong.core.forms import (
    MultipleFileField,
    ServiceForm,
    new_idempotency_key,
    select_widget,
)
from qitong.directory.models import Region, RegionLevel
from qitong.enterprises.models import Industry, SizeClass
from qitong.tickets.models import Category
from qitong.tickets.states import Channel, ProblemCategory, TicketType, Urgency


def category_choices() -> list[Any]:
    """The category tree as a grouped select: each top category is a group of its children
    (a top category without children is offered itself). One query."""
    rows = list(Category.objects.filter(active=True).order_by("sort_order", "code"))
    children: dict[int, list[Category]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    choices: list[Any] = [("", "请选择诉求分类")]
    for row in rows:
        if row.parent_id is not None:
            continue
        kids = children.get(row.pk)
        if kids:
            choices.append((row.name, [(k.code, k.name) for k in kids]))
        else:
            choices.append((row.code, row.name))
    return choices


TYPE_CHOICES = list(TicketType.choices)
PROBLEM_CHOICES = [("", "请选择问题类别"), *ProblemCategory.choices]


class TicketFieldsForm(ServiceForm):
    """What every appeal records, whoever files it."""

    type = forms.CharField(
        label="诉求类型", widget=select_widget(TYPE_CHOICES, **{"data-ticket-type": ""})
    )
    category = forms.CharField(label="诉求分类", widget=forms.Select())
    problem_category = forms.CharField(
        label="问题类别",
        widget=select_widget(PROBLEM_CHOICES),
        help_text="仅“反映问题”需要选择",
    )
    contact_name = forms.CharField(
        label="联系人", max_length=50, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    contact_phone = forms.CharField(
        label="联系电话",
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    title = forms.CharField(
        label="标题",
        max_length=200,
        help_text="可不填，默认取诉求内容的前 30 个字",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    content = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 5}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput())

    required_fields: tuple[str, ...] = (
        "type",
        "category",
        "contact_phone",
        "content",
        "problem_category",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.choices = category_choices()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())


class IntakeForm(TicketFieldsForm):
    """The desk's intake form (staff file on behalf of a caller → registered)."""

    credit_code = forms.CharField(
        label="来电企业",
        max_length=18,
        help_text="在上方查询结果中选择（↓ 选中后回车），或直接输入统一社会信用代码",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
                "placeholder": "统一社会信用代码",
                "data-enterprise-code": "",
            }
        ),
    )
    urgency = forms.CharField(label="紧急程度", widget=select_widget(list(Urgency.choices)))
    channel = forms.CharField(label="来源渠道", widget=select_widget(list(Channel.choices)))
    confidential = forms.BooleanField(
        label="保密",
        help_text="对被反映单位隐藏企业身份，由专席转达；“反映问题”默认保密",
    )
    # Set by tickets.js when the operator ticks or unticks 保密 themselves; without it the
    # service applies the default by type (problem reports are confidential).
    confidential_set = forms.CharField(widget=forms.HiddenInput())
    attachments = MultipleFileField(label="附件")

    field_order = [
        "credit_code",
        "type",
        "category",
        "problem_category",
        "urgency",
        "channel",
        "contact_name",
        "contact_phone",
        "title",
        "content",
        "attachments",
        "confidential",
    ]
    required_fields = (*TicketFieldsForm.required_fields, "credit_code", "urgency", "channel")

    def __init__(self, *args: Any, standalone: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.standalone = standalone
        if standalone:  # the 登记诉求 page has no caller lookup above the form
            self.fields[
                "credit_code"
            ].help_text = (
                "输入统一社会信用代码；不知道代码时，可在专席工作台按企业名称、电话或工单编号查询"
            )
        # Knowledge-base suggestions while the appeal is typed (knowledge.views.suggest).
        self.fields["content"].widget.attrs.update(
            {
                "hx-post": reverse(
                    "knowledge:suggest"
                ),  # POST: a long appeal overflowed a GET URL (414)
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#kb-suggest",
                "hx-swap": "innerHTML",  # the form itself swaps nothing
                "hx-include": "[name='credit_code']",
                "hx-sync": "this:replace",
                "aria-describedby": "kb-suggest",
            }
        )
        self.initial.setdefault("type", TicketType.CONSULTATION)
        self.initial.setdefault("urgency", Urgency.NORMAL)
        self.initial.setdefault("channel", Channel.PHONE)

    def confidential_value(self) -> bool | None:
        if self.cleaned_data.get("confidential"):
            return True
        return False if self.cleaned_data.get("confidential_set") else None


class EnterpriseTicketForm(TicketFieldsForm):
    """An enterprise's online submission (→ submitted; the desk registers it)."""

    attachments = MultipleFileField(label="附件")

    field_order = [
        "type",
        "category",
        "problem_category",
        "title",
        "content",
        "contact_name",
        "contact_phone",
        "attachments",
    ]


class EnterpriseCreateForm(ServiceForm):
    """登记新企业, inline on the desk while the caller is on the line."""

    credit_code = forms.CharField(
        label="统一社会信用代码",
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(label="企业名称", max_length=200)
    region = forms.CharField(label="所在旗县市区", widget=forms.Select())
    industry = forms.CharField(
        label="行业门类", widget=select_widget([("", "请选择行业门类"), *Industry.choices])
    )
    size = forms.CharField(
        label="企业规模", widget=select_widget([("", "请选择企业规模"), *SizeClass.choices])
    )
    contact_name = forms.CharField(label="联系人", max_length=50)
    contact_phone = forms.CharField(label="联系电话", max_length=30)

    required_fields = ("credit_code", "name", "region", "industry", "size")
    error_fields = {"contacts.0.name": "contact_name", "contacts.0.phone": "contact_phone"}

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "ent")
        super().__init__(*args, **kwargs)
        self.counties = county_choices(actor)
        # Only the jurisdiction's counties are offered; enterprise_create enforces it.
        self.fields["region"].widget.choices = [("", "请选择旗县市区"), *self.counties]  # type: ignore[attr-defined]


def county_choices(actor: Actor) -> list[tuple[str, str]]:
    qs = Region.objects.filter(level=RegionLevel.COUNTY).select_related("parent")
    if actor.region_prefix is not None:
        qs = qs.filter(code__startswith=actor.region_prefix)
    return [
        (r.code, f"{r.parent.name} · {r.name}" if r.parent else r.name) for r in qs.order_by("code")
    ]
