"""One form per lifecycle action, rendered in the action panel of a ticket page."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.core.files import File
from django.db.models import Q

from qitong.accounts.actor import Actor
from qitong.directory.models import Department, Specialist
from qitong.knowledge.models import ArticleVersion
from qitong.tickets.forms.base import MultipleFileField, ServiceForm
from qitong.tickets.models import Ticket
from qitong.tickets.states import ReplyResult, Satisfaction, TicketType
from qitong.tickets.transitions import TRANSITIONS

PRIMARY_ACTIONS = frozenset(
    {
        "register",
        "answer",
        "specialist_reply",
        "accept_offer",
        "dispatch",
        "sign",
        "approve_return",
        "approve_extension",
        "resume",
        "reply",
        "assist",
        "approve_reply",
        "accept_reply",
        "callback",
        "supplement",
        "rate",
    }
)
# Actions that end the appeal without an answer: their button is red.
ENDING_ACTIONS = frozenset({"reject", "withdraw"})


class ActionForm(ServiceForm):
    """One lifecycle action's fields; the prefix (the action's name) keeps ids unique when
    every allowed action's form is on the same page."""

    hint: ClassVar[str] = ""
    has_files: ClassVar[bool] = False

    def __init__(self, *args: Any, ticket: Ticket, actor: Actor, action: str, **kwargs: Any):
        kwargs["prefix"] = action
        super().__init__(*args, **kwargs)
        self.ticket, self.actor, self.action = ticket, actor, action
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput(), required=False)
        self.initial.setdefault("version", ticket.version)

    @property
    def has_fields(self) -> bool:
        return bool(self.visible_fields())

    @property
    def label(self) -> str:
        return TRANSITIONS[self.action].label

    @property
    def primary(self) -> bool:
        """The step that moves the loop forward (shown as the main button)."""
        return self.action in PRIMARY_ACTIONS

    @property
    def danger(self) -> bool:
        return self.action in ENDING_ACTIONS

    @property
    def errors_id(self) -> str:
        return f"{self.action}-errors"

    def service_data(self) -> dict[str, Any]:
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("version", "attachments") and value not in (None, "")
        }
        return data

    def uploads(self) -> list[File[Any]]:
        if not self.has_files or not self.files:
            return []
        return list(self.files.getlist(self.add_prefix("attachments")))


def _text(label: str, *, rows: int = 3) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows > 1 else forms.TextInput()
    return forms.CharField(label=label, widget=widget)


def text_action(
    name: str, label: str, *, required: bool, hint: str = "", rows: int = 3
) -> type[ActionForm]:
    """A form of one text field (`note`, `reason` or `answer`)."""
    attrs: dict[str, Any] = {
        name: _text(label, rows=rows),
        "required_fields": (name,) if required else (),
        "hint": hint,
    }
    return cast(type[ActionForm], type(f"{name.title()}Form", (ActionForm,), attrs))


class NoFieldsForm(ActionForm):
    pass


def _in_reach(actor: Actor) -> Q:
    """Units serving the actor's jurisdiction: in its subtree or above it (province, 盟市)."""
    prefix = actor.region_prefix
    if prefix is None:
        return Q()
    above = {prefix[:2] + "0000", (prefix[:4] + "00") if len(prefix) >= 4 else ""} - {""}
    return Q(region__code__startswith=prefix) | Q(region__code__in=sorted(above))


def department_choices(actor: Actor, ticket: Ticket) -> list[tuple[str, str]]:
    """Active departments that serve the jurisdiction; for a problem report the
    business-environment authority comes first."""
    rows = list(
        Department.objects.filter(_in_reach(actor), active=True)
        .select_related("region")
        .order_by("region__code", "code")
    )
    if ticket.type == TicketType.PROBLEM_REPORT:
        rows.sort(key=lambda d: not d.is_business_env_authority)
    return [
        (
            str(d.pk),
            f"{d.name}（营商环境主管部门）" if d.is_business_env_authority else d.name,
        )
        for d in rows
    ]


class DispatchForm(ActionForm):
    department = forms.CharField(label="主办单位", widget=forms.Select(attrs={"size": 7}))
    assisting = forms.MultipleChoiceField(
        label="协办单位",
        help_text="可不选；按住 Ctrl 可多选",
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    required_fields = ("department",)
    hint = "先在筛选框输入单位名称的一部分，再用 ↓ 选择主办单位。"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = department_choices(self.actor, self.ticket)
        self.fields["department"].widget.choices = choices  # type: ignore[attr-defined]
        self.fields["department"].widget.attrs["data-filterable"] = ""
        self.fields["assisting"].choices = choices  # type: ignore[attr-defined]
        self.fields["assisting"].widget.attrs["data-filterable"] = ""

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["assisting"] = list(self.cleaned_data.get("assisting") or [])
        return data


class ReassignForm(ActionForm):
    department = forms.CharField(label="改派至", widget=forms.Select(attrs={"size": 7}))
    reason = _text("改派原因", rows=2)
    required_fields = ("department",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = str(self.ticket.lead_department_id or "")
        choices = [c for c in department_choices(self.actor, self.ticket) if c[0] != current]
        self.fields["department"].widget.choices = choices  # type: ignore[attr-defined]
        self.fields["department"].widget.attrs["data-filterable"] = ""


class ReferForm(ActionForm):
    specialist = forms.CharField(
        label="政策专员",
        required=False,
        widget=forms.Select(attrs={"size": 6}),
        help_text="不选则按分派步骤自动邀请：企业的一对一专员 → 同领域本盟市 → 同领域全区",
    )
    domain = forms.ChoiceField(label="咨询领域", required=False)
    language = forms.ChoiceField(
        label="服务语言", required=False, choices=[("", "不限"), ("mn", "蒙古语")]
    )
    hint = "专员须在等待时间内接受，超时或谢绝则转下一位；都无人接收时退回专席。"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from qitong.directory.models import PolicyDomain
        from qitong.routing.engine import domain_for

        rows = (
            Specialist.objects.filter(_in_reach(self.actor), active=True, on_duty=True)
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
        self.fields["specialist"].widget.choices = choices  # type: ignore[attr-defined]
        self.fields["specialist"].widget.attrs["data-filterable"] = ""
        self.fields["domain"].choices = [("", "按诉求分类")] + [  # type: ignore[attr-defined]
            (d.code, d.name) for d in PolicyDomain.objects.order_by("sort_order", "code")
        ]
        self.initial.setdefault("domain", domain_for(self.ticket))


class RequestReturnForm(ActionForm):
    reason = _text("退单理由")
    legal_basis = _text("退单依据", rows=2)
    required_fields = ("reason", "legal_basis")
    hint = "须写明不属于本单位职责的法律法规或职责文件依据，由班长审批。"


class RequestExtensionForm(ActionForm):
    days = forms.CharField(
        label="延期工作日数",
        widget=forms.NumberInput(attrs={"min": 1, "max": 30, "inputmode": "numeric"}),
        help_text="1–30 个工作日",
    )
    reason = _text("延期理由")
    required_fields = ("days", "reason")
    hint = "由班长审批；同意后答复时限顺延并告知企业。"


class ReplyForm(ActionForm):
    result = forms.ChoiceField(
        label="办理结果", choices=ReplyResult.choices, widget=forms.RadioSelect()
    )
    explanation = _text("答复说明", rows=5)
    attachments = MultipleFileField(label="附件")
    required_fields = ("result", "explanation")
    has_files = True
    hint = "答复经班长审核后告知企业并回访。"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead = self.ticket.lead_department
        if self.actor.role == "handler" and lead is not None and lead.reply_needs_signoff:
            self.fields[
                "explanation"
            ].help_text = "本单位的答复须部门领导审签：提交后先送部门领导，审签通过后再交专席审核。"


class AnswerForm(ActionForm):
    """即时解答 / 专员答复: the answer, and the knowledge-base articles it is given from
    (suggested from the appeal's content, scoped to the enterprise's region)."""

    answer = _text("答复内容", rows=6)
    articles = forms.MultipleChoiceField(
        label="依据的知识",
        help_text="勾选答复所依据的知识，工单将记录引用的版本",
        widget=forms.CheckboxSelectMultiple(),
    )
    no_article = forms.BooleanField(
        label="知识库中没有合适的知识",
        help_text="勾选后计入知识缺口报告，由维护单位补充知识",
    )
    required_fields = ("answer",)
    hint = "即时解答后转入待回访（首呼解决）。"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from qitong.knowledge.search import search_articles
        from qitong.knowledge.text import plain_text

        query = f"{self.ticket.title} {self.ticket.content}"
        self.suggestions = search_articles(query, region_code=self.ticket.region_code, limit=5)
        bodies = dict(
            ArticleVersion.objects.filter(
                pk__in=[h.version_id for h in self.suggestions]
            ).values_list("pk", "body")
        )
        self.fill_texts = {
            h.article_id: plain_text(bodies.get(h.version_id, "")) for h in self.suggestions
        }
        self.fields["articles"].choices = [  # type: ignore[attr-defined]
            (str(h.article_id), f"{h.title}（第 {h.version} 版）") for h in self.suggestions
        ]
        if not self.suggestions:
            del self.fields["articles"]

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["articles"] = list(self.cleaned_data.get("articles") or [])
        data["no_article"] = bool(self.cleaned_data.get("no_article"))
        return data


class SpecialistReplyForm(AnswerForm):
    hint = "答复后由专席回访。"


class ApproveReplyForm(ActionForm):
    explanation = _text("答复说明（可修改后通过）", rows=6)
    note = _text("审签意见", rows=2)
    hint = "通过后答复提交专席审核，答复稿附件随之对企业可见。"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        draft = self.ticket.requests.filter(kind="signoff", decided_at__isnull=True).first()
        if draft is not None:
            self.initial.setdefault("explanation", draft.reply_text)


YES_NO = [("yes", "已解决"), ("no", "未解决")]


class CallbackForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label="满意度", choices=list(Satisfaction.choices), widget=forms.RadioSelect()
    )
    resolved = forms.ChoiceField(label="问题是否解决", choices=YES_NO, widget=forms.RadioSelect())
    note = _text("回访记录", rows=2)
    required_fields = ("satisfaction", "resolved")
    hint = "基本满意及以上即办结；不满意的由专席重办或班长说明理由后办结。"

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        answer = self.cleaned_data.get("resolved")
        data["resolved"] = {"yes": True, "no": False}.get(str(answer or ""))
        return data


class MergeForm(ActionForm):
    into = forms.CharField(
        label="并入的主工单",
        widget=forms.TextInput(attrs={"placeholder": "工单编号，如 QT20261126000001"}),
    )
    required_fields = ("into",)
    hint = "重复诉求并入主工单后不再单独办理。"

    def service_data(self) -> dict[str, Any]:
        """A number (QT…) is looked up among the tickets the actor can see; anything else
        goes to the service as it is, which refuses what is missing or out of reach."""
        from qitong.tickets.selectors import tickets_visible_to

        data = super().service_data()
        raw = self.text("into").upper()
        if raw.startswith("QT"):
            pk = tickets_visible_to(self.actor).filter(number=raw).values_list("pk", flat=True)
            data["into"] = str(pk.first() or "")
        return data


class SupplementForm(ActionForm):
    note = _text("补充说明", rows=4)
    attachments = MultipleFileField(label="补充材料")
    required_fields = ("note",)
    has_files = True
    hint = "承办单位收到后恢复办理。"


class RateForm(ActionForm):
    rating = forms.ChoiceField(
        label="您对办理结果的评价", choices=list(Satisfaction.choices), widget=forms.RadioSelect()
    )
    comment = _text("评价意见", rows=3)
    required_fields = ("rating",)
    hint = "每件诉求可评价一次。"


class WithdrawForm(ActionForm):
    reason = _text("撤单原因", rows=2)
    confirm = forms.BooleanField(label="我确认撤回此诉求，撤回后不再办理")
    required_fields = ("confirm",)
    hint = "撤单后工单不再办理。"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.actor.role == "enterprise" and not data.get("confirm"):
            self.add_error("confirm", "请勾选确认后再撤回")
        return data

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data.pop("confirm", None)
        return data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.actor.role != "enterprise":
            del self.fields["confirm"]


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "register": NoFieldsForm,
    "reject": text_action("reason", "不予受理的理由", required=True, hint="理由将告知企业。"),
    "answer": AnswerForm,
    "refer": ReferForm,
    "accept_offer": NoFieldsForm,
    "decline_offer": text_action(
        "reason",
        "谢绝理由",
        required=True,
        rows=2,
        hint="谢绝后系统立即邀请下一位专员。",
    ),
    "reroute": text_action(
        "note", "改派说明", required=False, rows=2, hint="撤回当前邀请，按分派步骤邀请下一位专员。"
    ),
    "specialist_reply": SpecialistReplyForm,
    "dispatch": DispatchForm,
    "sign": NoFieldsForm,
    "request_return": RequestReturnForm,
    "approve_return": text_action(
        "note", "审批意见", required=False, rows=2, hint="同意后工单回到待派单，由专席重新派单。"
    ),
    "refuse_return": text_action("note", "驳回理由", required=True, rows=2),
    "request_extension": RequestExtensionForm,
    "approve_extension": text_action(
        "note", "审批意见", required=False, rows=2, hint="同意后答复时限顺延并告知企业。"
    ),
    "refuse_extension": text_action("note", "驳回理由", required=True, rows=2),
    "suspend": text_action(
        "reason",
        "需企业补充的材料",
        required=True,
        hint="挂起期间不计时；企业会收到补充材料的通知。",
    ),
    "resume": text_action("note", "说明", required=False, rows=2),
    "assist": text_action(
        "opinion",
        "协办意见",
        required=True,
        rows=5,
        hint="意见反馈给主办单位，由主办单位统一答复企业。",
    ),
    "reply": ReplyForm,
    "approve_reply": ApproveReplyForm,
    "refuse_reply": text_action("note", "退回意见", required=True, rows=2),
    "accept_reply": text_action(
        "note", "审核意见", required=False, rows=2, hint="通过后转入待回访。"
    ),
    "send_back": text_action("note", "退回重办的理由", required=True, rows=2),
    "callback": CallbackForm,
    "redo": text_action("note", "重办要求", required=True, rows=2),
    "close": text_action("reason", "不满意仍办结的理由", required=True, rows=2),
    "merge": MergeForm,
    "withdraw": WithdrawForm,
    "supplement": SupplementForm,
    "rate": RateForm,
    "remind": text_action("note", "催办说明", required=False, rows=2),
    "escalate": text_action("note", "督办说明", required=False, rows=2),
    "reassign": ReassignForm,
}


def action_form(
    action: str, *, ticket: Ticket, actor: Actor, data: Any = None, files: Any = None
) -> ActionForm:
    form_class = ACTION_FORMS.get(action, NoFieldsForm)
    return form_class(data, files, ticket=ticket, actor=actor, action=action)
