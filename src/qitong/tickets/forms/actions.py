"""The page form of every ticket action: the shared schema form (workflow.forms), with the
choices a ticket's page takes from the database (the departments in reach, the 派单目录's
proposal, the specialists on duty, a master ticket's number) by field name, and the few
subclasses at the end."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from qitong.accounts.actor import Actor
from qitong.accounts.roles import Role
from qitong.directory.models import Department, PolicyDomain, Specialist
from qitong.routing.engine import domain_for
from qitong.tickets.catalogue import Suggestion, suggest
from qitong.tickets.models import Ticket
from qitong.tickets.selectors import tickets_visible_to
from qitong.tickets.states import ProblemCategory, RequestKind, TicketType
from qitong.tickets.transitions import TICKET, reply_needs_signoff
from qitong.workflow.forms import SchemaForm
from qitong.workflow.inputs import Widget

YES_NO = {"callback": (("yes", "已解决"), ("no", "未解决"))}


class ActionForm(SchemaForm):
    """A ticket action's form (workflow.forms): the ticket and the actor decide the choices."""

    yes_no = YES_NO

    def __init__(
        self, *args: Any, ticket: Ticket, actor: Actor, action: str, **kwargs: Any
    ) -> None:
        self.ticket, self.actor = ticket, actor
        if action == "supplement":
            self.files_label = "补充材料"  # type: ignore[misc]
        super().__init__(*args, transition=TICKET[action], version=ticket.version, **kwargs)

    @property
    def suggests_articles(self) -> bool:
        """The answer forms load knowledge suggestions lazily (tickets:answer_suggestions)."""
        return "articles" in self.schema


def _in_reach(actor: Actor) -> Q:
    """Units serving the actor's jurisdiction: in its subtree or above it (province, 盟市)."""
    prefix = actor.region_prefix
    if prefix is None:
        return Q()
    above = {prefix[:2] + "0000", (prefix[:4] + "00") if len(prefix) >= 4 else ""} - {""}
    return Q(region__code__startswith=prefix) | Q(region__code__in=sorted(above))


def department_choices_in_reach(actor: Actor) -> list[tuple[str, str]]:
    """Active departments serving the actor's jurisdiction (the bulk dispatch's choices)."""
    rows = Department.objects.filter(_in_reach(actor), active=True).order_by("region__code", "code")
    return [(str(d.pk), d.name) for d in rows]


def department_choices(actor: Actor, ticket: Ticket) -> list[tuple[str, str]]:
    """Active departments that serve the jurisdiction (never the current lead: that is no
    change); for a problem report the business-environment authority comes first."""
    rows = list(
        Department.objects.filter(_in_reach(actor), active=True)
        .exclude(pk=ticket.lead_department_id or 0)
        .select_related("region")
        .order_by("region__code", "code")
    )
    if ticket.type == TicketType.PROBLEM_REPORT:
        rows.sort(key=lambda d: not d.is_business_env_authority)
    return [
        (str(d.pk), f"{d.name}（营商环境主管部门）" if d.is_business_env_authority else d.name)
        for d in rows
    ]


def _filterable(field: forms.Field) -> forms.Field:
    field.widget.attrs["data-filterable"] = ""
    return field


def _suggestion(form: ActionForm) -> Suggestion | None:
    """The 派单目录's departments for a dispatch (read once per form)."""
    if form.action != "dispatch":
        return None
    if not hasattr(form, "_suggestion"):
        form._suggestion = suggest(  # type: ignore[attr-defined]
            category=form.ticket.category, region_code=form.ticket.region_code
        )
    return form._suggestion  # type: ignore[attr-defined, no-any-return]


def _department(form: ActionForm, widget: Widget) -> forms.Field:
    choices = department_choices(form.actor, form.ticket)
    hint = widget.hint
    proposed = _suggestion(form)
    if proposed is not None and any(v == str(proposed.lead.pk) for v, _ in choices):
        lead = str(proposed.lead.pk)
        choices = [
            *((v, f"{label}（派单目录建议）") for v, label in choices if v == lead),
            *((v, label) for v, label in choices if v != lead),
        ]
        form.initial.setdefault("department", lead)
        hint = f"{proposed.label}。{hint}"
    return _filterable(
        forms.CharField(
            label=widget.label,
            widget=forms.Select(attrs={"size": 7}, choices=choices),
            help_text=hint,
        )
    )


def _assisting(form: ActionForm, widget: Widget) -> forms.Field:
    proposed = _suggestion(form)
    if proposed is not None and proposed.assisting:
        form.initial.setdefault("assisting", [str(d.pk) for d in proposed.assisting])
    return _filterable(
        forms.MultipleChoiceField(
            label=widget.label,
            choices=department_choices(form.actor, form.ticket),
            widget=forms.SelectMultiple(attrs={"size": 5}),
            help_text=widget.hint,
        )
    )


def _specialist(form: ActionForm, widget: Widget) -> forms.Field:
    rows = (
        Specialist.objects.filter(_in_reach(form.actor), active=True, on_duty=True)
        .select_related("department")
        .prefetch_related("domains")
        .order_by("region__code", "code")
    )
    choices = [("", "自动分派（按分派步骤）")] + [
        (
            str(s.pk),
            f"{s.name} · {s.department.name}"
            + (f"（{'、'.join(d.name for d in s.domains.all())}）" if s.domains.all() else ""),
        )
        for s in rows
    ]
    select = forms.Select(attrs={"size": 6}, choices=choices)
    return _filterable(forms.CharField(label=widget.label, widget=select, help_text=widget.hint))


def _domain(form: ActionForm, widget: Widget) -> forms.Field:
    domains = [(d.code, d.name) for d in PolicyDomain.objects.order_by("sort_order", "code")]
    form.initial.setdefault("domain", domain_for(form.ticket.category.code))
    return forms.ChoiceField(label=widget.label, choices=[("", "按诉求分类"), *domains])


def _into(form: ActionForm, widget: Widget) -> forms.Field:
    return forms.CharField(
        label=widget.label,
        widget=forms.TextInput(attrs={"placeholder": "工单编号，如 QT20261126000001"}),
    )


def _unit_department(form: ActionForm, widget: Widget) -> forms.Field:
    """The unit a promoted problem is given to: a department serving the jurisdiction."""
    choices = [("", "请选择"), *department_choices_in_reach(form.actor)]
    if form.ticket.lead_department_id:  # the unit that handled the appeal, as a start
        form.initial.setdefault("unit_department", str(form.ticket.lead_department_id))
    select = forms.Select(attrs={"size": 7}, choices=choices)
    return _filterable(forms.CharField(label=widget.label, widget=select, help_text=widget.hint))


def _problem_category(form: ActionForm, widget: Widget) -> forms.Field:
    form.initial.setdefault("category", form.ticket.problem_category)
    choices = [("", "沿用工单的问题类别"), *ProblemCategory.choices]
    return forms.ChoiceField(label=widget.label, choices=choices, help_text=widget.hint)


# Fields whose choices or widget the page takes from the database, by field name.
ActionForm.field_choices = {
    "unit_department": _unit_department,
    "category": _problem_category,
    "department": _department,
    "assisting": _assisting,
    "specialist": _specialist,
    "domain": _domain,
    "into": _into,
}


class ReplyForm(ActionForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead = self.ticket.lead_department
        if lead is not None and reply_needs_signoff(self.actor, lead.reply_needs_signoff):
            self.fields[
                "explanation"
            ].help_text = "本单位的答复须部门领导审签：提交后先送部门领导，审签通过后再交专席审核。"


class ApproveReplyForm(ActionForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        draft = self.ticket.requests.filter(
            kind=RequestKind.SIGNOFF, decided_at__isnull=True
        ).first()
        if draft is not None:
            self.initial.setdefault("explanation", draft.reply_text)


class MergeForm(ActionForm):
    def service_data(self) -> dict[str, Any]:
        """A number (QT…) is looked up among the tickets the actor can see; anything else
        goes to the service as it is, which refuses what is missing or out of reach."""
        data = super().service_data()
        raw = self.text("into").upper()
        if raw.startswith("QT"):
            pk = tickets_visible_to(self.actor).filter(number=raw).values_list("pk", flat=True)
            data["into"] = str(pk.first() or "")
        return data


class WithdrawForm(ActionForm):
    """An enterprise confirms that it withdraws its appeal (a page-only safeguard)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.actor.role == Role.ENTERPRISE:
            self.fields["confirm"] = forms.BooleanField(
                label="我确认撤回此诉求，撤回后不再办理", required=False
            )
            self.fields["confirm"].widget.attrs["aria-required"] = "true"
            self.required_fields = (*self.required_fields, "confirm")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.actor.role == Role.ENTERPRISE and not data.get("confirm"):
            self.add_error("confirm", "请勾选确认后再撤回")
        return data


# Page forms that add to what the schema gives; every other action gets a plain ActionForm.
FORM_CLASSES: dict[str, type[ActionForm]] = {
    "reply": ReplyForm,
    "approve_reply": ApproveReplyForm,
    "merge": MergeForm,
    "withdraw": WithdrawForm,
}


def action_form(
    action: str, *, ticket: Ticket, actor: Actor, data: Any = None, files: Any = None
) -> ActionForm:
    form_class = FORM_CLASSES.get(action, ActionForm)
    return form_class(data, files, ticket=ticket, actor=actor, action=action)
