"""Page forms of the appraisal domain: every round and objection action (the shared schema
form; the unit to record a value for is chosen from the round's units), a unit's objection
(with its evidence), and a new round."""

from __future__ import annotations

from typing import Any

from django import forms

from qitong.appraisal.models import Objection, Round, Scheme
from qitong.appraisal.rules import Plan
from qitong.appraisal.schemes import snapshot_of
from qitong.appraisal.sources import SOURCES
from qitong.appraisal.transitions import OBJECTION, ROUND
from qitong.core.forms import MultipleFileField
from qitong.reforms.models import ReportingUnit
from qitong.workflow.forms import SchemaForm
from qitong.workflow.inputs import Widget


def _plan(rnd: Round) -> Plan:
    return Plan.of(rnd.snapshot or snapshot_of(rnd.scheme))


class RoundActionForm(SchemaForm):
    def __init__(self, *args: Any, rnd: Round, action: str, **kwargs: Any) -> None:
        self.rnd = rnd
        super().__init__(*args, transition=ROUND[action], version=rnd.revision, **kwargs)
        if action == "set_bands" and not self.is_bound:
            self.initial["bands"] = "\n".join(f"{b['label']} {b['min']:g}" for b in rnd.bands)


def _units(form: RoundActionForm, widget: Widget) -> forms.Field:
    from qitong.appraisal.compute import units_for

    units = units_for(form.rnd.scheme.scope)
    return forms.TypedChoiceField(
        label=widget.label,
        choices=[("", "请选择"), *((u.pk, u.name) for u in units)],
        coerce=int,
        empty_value=None,
        help_text=widget.hint,
    )


def _manual(form: RoundActionForm, widget: Widget) -> forms.Field:
    plan = _plan(form.rnd)
    nodes = [n for n in [*plan.leaves(), *plan.adjustments] if SOURCES[n.source].fetch is None]
    return forms.ChoiceField(
        label="人工录入指标",
        choices=[("", "请选择"), *((n.code, f"{n.code} {n.name}") for n in nodes)],
        help_text="只有数据来源为“人工录入”的指标可在此录入",
    )


RoundActionForm.field_choices = {"unit": _units, "indicator": _manual}


class ObjectionActionForm(SchemaForm):
    def __init__(self, *args: Any, objection: Objection, action: str, **kwargs: Any) -> None:
        self.objection = objection
        super().__init__(*args, transition=OBJECTION[action], version=objection.version, **kwargs)


class ObjectionForm(forms.Form):
    """A unit's objection to one of its figures, with the evidence (the service checks it)."""

    indicator = forms.ChoiceField(
        label="异议指标",
        error_messages={"required": "请选择异议指标", "invalid_choice": "请选择本轮考核的指标"},
    )
    reason = forms.CharField(
        label="异议理由",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="说明数据有误之处及依据",
        error_messages={"required": "请填写异议理由", "max_length": "异议理由最多 5000 字"},
    )
    claimed_value = forms.CharField(
        label="本单位认为的数值",
        required=False,
        max_length=20,
        help_text="可不填",
        error_messages={"max_length": "数值最多 20 位"},
    )
    attachments = MultipleFileField(label="佐证材料")

    def __init__(self, *args: Any, rnd: Round, unit: ReportingUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan = _plan(rnd)
        indicator = self.fields["indicator"]
        assert isinstance(indicator, forms.ChoiceField)
        indicator.choices = [
            ("", "请选择"),
            *((n.code, f"{n.code} {n.name}") for n in [*plan.leaves(), *plan.adjustments]),
        ]
        self.unit = unit

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "attachments" and v}
        data["unit"] = self.unit.pk
        return data


class SchemeChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（第 {obj.version} 版，{obj.get_scope_display()}）"


class RoundNewForm(forms.Form):
    scheme = SchemeChoice(
        label="指标体系",
        queryset=Scheme.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择指标体系", "invalid_choice": "请选择最新版本的指标体系"},
    )
    period = forms.CharField(
        label="考核期间",
        max_length=6,
        help_text="如 2026Q3",
        error_messages={
            "required": "请填写考核期间，如 2026Q3",
            "max_length": "考核期间应为“年份Q季度”，如 2026Q3",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scheme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Scheme.objects.filter(revision__isnull=True).order_by("code")
