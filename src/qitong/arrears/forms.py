"""Page forms of the arrears domain: the ledger's filters (into the shared ClaimFilter), a new
claim (the same flat columns as an imported ledger, nested for the service), the ledger
import, and every claim action (the shared schema form, with its choices from the
database)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from qitong.accounts.actor import Actor
from qitong.arrears.columns import COLUMNS, nest
from qitong.arrears.inputs import DEBTOR_LEVELS
from qitong.arrears.listing import ClaimFilter
from qitong.arrears.models import Claim, Repayment
from qitong.arrears.states import (
    ClaimState,
    ContractKind,
    DebtorKind,
    RepaymentStatus,
)
from qitong.core.forms import MultipleFileField, ServiceForm
from qitong.directory.models import Department, Region, RegionLevel
from qitong.workflow.forms import SchemaForm
from qitong.workflow.inputs import Widget

ANY = [("", "全部")]
YES_NO_ANY = [("", "全部"), ("true", "是"), ("false", "否")]


def _flag(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get(value or "")


def region_choices(actor: Actor) -> list[tuple[str, str]]:
    """The 盟市 (and 旗县) the reader may narrow to."""
    qs = Region.objects.filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY])
    if actor.region_prefix is not None:
        qs = qs.filter(code__startswith=actor.region_prefix)
    rows = qs.order_by("code")[:400]
    return [(r.code, ("" if r.level == RegionLevel.CITY else "　") + r.name) for r in rows]


class ClaimFilterForm(forms.Form):
    q = forms.CharField(label="检索", required=False, max_length=100)
    state = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[
            *ANY,
            ("open", "未清偿完（全部）"),
            ("final", "已办结或核销"),
            ("live", "未核销（全部）"),
            *ClaimState.choices,
        ],
    )
    kind = forms.ChoiceField(
        label="债务人类型", required=False, choices=[*ANY, *DebtorKind.choices]
    )
    level = forms.ChoiceField(label="层级", required=False, choices=[*ANY, *DEBTOR_LEVELS])
    region = forms.ChoiceField(label="地区", required=False)
    contract_kind = forms.ChoiceField(
        label="合同类型", required=False, choices=[*ANY, *ContractKind.choices]
    )
    overdue = forms.ChoiceField(label="逾期", required=False, choices=YES_NO_ANY)
    disputed = forms.ChoiceField(label="有争议", required=False, choices=YES_NO_ANY)
    litigation = forms.ChoiceField(label="诉讼中", required=False, choices=YES_NO_ANY)
    amount_min = forms.CharField(
        label="欠款不少于（元）",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    amount_max = forms.CharField(
        label="欠款不超过（元）",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    debtor = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    creditor = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    batch = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    region_exact = forms.CharField(required=False, max_length=6, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [*ANY, *region_choices(actor)]

    def _amount(self, name: str) -> Decimal | None:
        text = str(self.cleaned_data.get(name) or "").replace(",", "").strip()
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError("应为金额（元），如 1000000") from None
        if value < 0:
            raise forms.ValidationError("金额不能为负数")
        return value

    def clean_amount_min(self) -> Decimal | None:
        return self._amount("amount_min")

    def clean_amount_max(self) -> Decimal | None:
        return self._amount("amount_max")

    def claim_filter(self) -> ClaimFilter:
        c = self.cleaned_data
        return ClaimFilter(
            state=c.get("state") or "",
            kind=c.get("kind") or "",
            level=c.get("level") or "",
            region=c.get("region") or "",
            region_exact=c.get("region_exact") or "",
            contract_kind=c.get("contract_kind") or "",
            overdue=_flag(c.get("overdue")),
            disputed=_flag(c.get("disputed")),
            litigation=_flag(c.get("litigation")),
            amount_min=c.get("amount_min"),
            amount_max=c.get("amount_max"),
            debtor=c.get("debtor"),
            creditor=c.get("creditor"),
            batch=c.get("batch") or "",
            q=(c.get("q") or "").strip(),
        )


FLAG_CHOICES = [("", "按企业登记"), ("是", "是"), ("否", "否")]


class ClaimForm(ServiceForm):
    """A new claim: the import's columns, one field each (the service's ClaimIn and the
    regulation's checks say what is wrong; their errors come back by column)."""

    required_fields = tuple(c.name for c in COLUMNS if c.required)
    error_fields = {c.path: c.name for c in COLUMNS} | {
        "debtor": "debtor_name",
        "contract": "contract_number",
    }
    attachments = MultipleFileField(label="合同及结算材料")

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = {}
        for c in COLUMNS:
            fields[c.name] = self._field(c, actor)
        fields["attachments"] = self.fields["attachments"]
        self.fields = fields  # type: ignore[assignment]
        for c in COLUMNS:
            self.fields[c.name].required = False
            if c.required:
                self.fields[c.name].widget.attrs["aria-required"] = "true"

    @staticmethod
    def _field(c: Any, actor: Actor) -> forms.Field:
        help_text = c.hint
        if c.name == "debtor_kind":
            return forms.ChoiceField(
                label=c.header,
                choices=[("", "请选择"), *((label, label) for _, label in DebtorKind.choices)],
                help_text="",
            )
        if c.name == "debtor_level":
            return forms.ChoiceField(
                label=c.header,
                choices=[("", "请选择"), *((label, label) for _, label in DEBTOR_LEVELS)],
            )
        if c.name == "contract_kind":
            return forms.ChoiceField(
                label=c.header,
                choices=[("", "请选择"), *((label, label) for _, label in ContractKind.choices)],
            )
        if c.name == "debtor_region":
            province = Region.objects.filter(level=RegionLevel.PROVINCE).first()
            own = (
                [(province.code, f"{province.name}（自治区本级）")]
                if province is not None and actor.covers(province.code)
                else []
            )
            field = forms.ChoiceField(
                label="债务人所在地区", choices=[("", "请选择"), *own, *region_choices(actor)]
            )
            field.widget.attrs["data-filterable"] = ""
            return field
        if c.kind == "flag":
            choices = FLAG_CHOICES if c.name == "sme" else [("否", "否"), ("是", "是")]
            return forms.ChoiceField(label=c.header, choices=choices, help_text=help_text)
        if c.kind == "date":
            return forms.CharField(
                label=c.header, widget=forms.DateInput(attrs={"type": "date"}), help_text=help_text
            )
        if c.kind in ("money", "rate", "days"):
            mode = "numeric" if c.kind == "days" else "decimal"
            return forms.CharField(
                label=c.header,
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": mode}),
                help_text=help_text,
            )
        if c.name == "note":
            return forms.CharField(
                label=c.header, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
            )
        return forms.CharField(label=c.header, max_length=200, help_text=help_text)

    def service_data(self) -> dict[str, Any]:
        flat = {c.name: self.cleaned_data.get(c.name) for c in COLUMNS}
        return nest(flat)

    def uploads(self) -> list[Any]:
        return list(self.files.getlist("attachments")) if self.files else []


class ImportForm(forms.Form):
    file = forms.FileField(label="清欠台账（.xlsx）", required=False)


# --- the claim's actions ----------------------------------------------------------------------


class ClaimActionForm(SchemaForm):
    file_actions = frozenset(
        {
            "repay",
            "confirm_repayment",
            "reject_repayment",
            "dispute",
            "litigate",
            "resolve_dispute",
            "write_off",
            "urge",
            "verify",
        }
    )
    files_field = "attachments"
    files_label = "材料"

    def __init__(self, *args: Any, claim: Claim, actor: Actor, action: str, **kwargs: Any) -> None:
        from qitong.arrears.transitions import CLAIM

        self.claim, self.actor = claim, actor
        super().__init__(*args, transition=CLAIM[action], version=claim.version, **kwargs)
        if action == "repay":
            self.fields[self.files_field].label = "清偿凭证（转账记录、抵顶协议、票据等）"
        if action == "write_off":
            self.fields[self.files_field].label = "核销依据文书（必须）"
        if action in ("confirm_repayment", "reject_repayment") and actor.role != "enterprise":
            self.fields[self.files_field].label = "债权企业的书面意见（代为确认时必须）"
        if action == "plan" and claim.plan and not self.is_bound:
            self.initial.setdefault(
                "plan", "\n".join(f"{s['due_on']} {s['title']}" for s in claim.plan)
            )

    @property
    def has_files(self) -> bool:
        if (
            self.action in ("confirm_repayment", "reject_repayment")
            and self.actor.role == "enterprise"
        ):
            return False
        return super().has_files


def _repayment(form: ClaimActionForm, widget: Widget) -> forms.Field:
    waiting = Repayment.objects.filter(claim=form.claim, status=RepaymentStatus.RECORDED)
    choices = [
        (str(r.pk), f"{r.paid_on:%Y-%m-%d} {r.get_method_display()} {r.amount:,.2f} 元")
        for r in waiting.order_by("paid_on", "id")
    ]
    return forms.ChoiceField(label=widget.label, choices=choices, widget=forms.RadioSelect)


def _department(form: ClaimActionForm, widget: Widget) -> forms.Field:
    qs = Department.objects.filter(active=True).select_related("region")
    if form.actor.region_prefix is not None:
        qs = qs.filter(region__code__startswith=form.actor.region_prefix)
    choices = [
        (str(d.pk), f"{d.name}（{d.region.name}）") for d in qs.order_by("region__code", "code")
    ]
    field = forms.ChoiceField(
        label=widget.label, choices=[("", "请选择"), *choices], help_text=widget.hint
    )
    field.widget.attrs["data-filterable"] = ""
    if not form.is_bound and form.claim.department_id:
        form.initial.setdefault("department", str(form.claim.department_id))
    return field


ClaimActionForm.field_choices = {"repayment": _repayment, "department": _department}
