"""Every lifecycle action after intake, through one function, `ticket_act`.

One transaction per action, in STYLE habit 1's order: lock the ticket row, check the
transition (tickets.transitions) and the caller's version, validate the action's fields,
change the ticket with save(update_fields=...), append one ledger event; notifications are
rows written in the same transaction whose SMS delivery runs after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import Q

from qitong.accounts.actor import SYSTEM, Actor, actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.core import clock
from qitong.core.errors import Conflict, NotFound, ValidationFailed
from qitong.core.workdays import WorkCalendar, WorkingHours, add_working_days, load_calendar
from qitong.directory.models import Department, PolicyDomain, Specialist
from qitong.knowledge.models import Article, ArticleState, Gap
from qitong.ledger.services import ledger_record
from qitong.notifications.services import notify
from qitong.routing import engine as routing
from qitong.routing.models import Offer, OfferState
from qitong.tickets.deadlines import Limit, compute_due, load_policies
from qitong.tickets.models import Assignment, Attachment, Citation, PendingDecision, Ticket
from qitong.tickets.selectors import tickets_visible_to
from qitong.tickets.services.attachments import check_uploads, store_attachments
from qitong.tickets.states import (
    DEPARTMENT_STATES,
    FINAL_STATES,
    Milestone,
    ReplyResult,
    RequestKind,
    Satisfaction,
    TicketState,
    TicketType,
)
from qitong.tickets.transitions import Transition, check_transition

SUBJECT = "tickets.ticket"
MAX_TEXT = 5000
MAX_EXTENSION_DAYS = 30
SATISFIED_FROM = Satisfaction.FAIRLY_SATISFIED  # 3 基本满意 and above closes the ticket


@dataclass
class Ctx:
    ticket: Ticket
    user: User | None
    actor: Actor
    transition: Transition
    data: dict[str, Any]
    now: dt.datetime
    changed: set[str] = field(default_factory=set)
    payload: dict[str, Any] = field(default_factory=dict)
    to_state: str | None = None
    # A reply held for the department leader's sign-off: its files stay internal until then.
    draft: PendingDecision | None = None
    _calendar: WorkCalendar | None = None
    _policies: Mapping[tuple[str, str, str], Limit] | None = None

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.ticket, name, value)
            self.changed.add(name)

    def text(self, name: str, label: str, *, required: bool = True) -> str:
        value = str(self.data.get(name) or "").strip()
        if required and not value:
            raise ValidationFailed(fields={name: f"请填写{label}"})
        if len(value) > MAX_TEXT:
            raise ValidationFailed(fields={name: f"{label}最多 {MAX_TEXT} 字"})
        if value:
            self.payload[name] = value
        return value

    @property
    def calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = load_calendar()
        return self._calendar

    @property
    def working_hours(self) -> WorkingHours:
        desk = self.ticket.desk
        return WorkingHours.from_config(desk.working_hours if desk else None)

    @property
    def policies(self) -> Mapping[tuple[str, str, str], Limit]:
        if self._policies is None:
            self._policies = load_policies()
        return self._policies

    def start_milestone(self, milestone: str, *, due_field: str | None = None) -> None:
        due = compute_due(
            start=self.now,
            ticket_type=self.ticket.type,
            urgency=self.ticket.urgency,
            milestone=milestone,
            policies=self.policies,
            calendar=self.calendar,
            working=self.working_hours,
        )
        self.set(
            milestone=milestone,
            due_at=due.due_at,
            warn_at=due.warn_at,
            reminded_for="",
            escalated_for="",
        )
        if due_field:
            self.set(**{due_field: due.due_at})
        self.payload.setdefault("due", {})[milestone] = due.due_at.isoformat()

    def resume_milestone(self, milestone: str, due: dt.datetime | None) -> None:
        """Run the clock towards an already computed due time (reply after signing or an
        approved extension); the warning window is the policy's ratio of what remains."""
        if due is None:
            return self.start_milestone(milestone)
        ratio = self.policies[(self.ticket.type, self.ticket.urgency, milestone)].warn_ratio
        if milestone != self.ticket.milestone:
            self.set(reminded_for="", escalated_for="")
        self.set(
            milestone=milestone,
            due_at=due,
            warn_at=self.now + (due - self.now) * float(ratio) if due > self.now else due,
        )

    def stop_clock(self) -> None:
        self.set(milestone="", due_at=None, warn_at=None)


Handler = Callable[[Ctx], None]
# Files brought by these actions are the enterprise's or meant for it; others are internal.
PUBLIC_FILE_ACTIONS = frozenset({"supplement", "reply", "answer", "specialist_reply"})


def ticket_act(
    *,
    ticket_id: int,
    action: str,
    user: User | None,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    files: list[File[Any]] | None = None,
) -> Ticket:
    """Take `action` on a ticket as `user` (None = the system sweep).

    NotFound if the ticket is outside the user's scope; Forbidden if the role may never take
    the action; Conflict if the state, a pending request or the version forbids it now;
    ValidationFailed naming each bad field. Nothing is written unless everything passes.
    """
    actor = actor_of(user) if user is not None else SYSTEM
    checked = check_uploads(list(files or []))
    with transaction.atomic():
        ticket = tickets_visible_to(actor).select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound()
        if expected_version is not None and ticket.version != expected_version:
            raise Conflict("该工单刚被他人处理过，请刷新后查看最新状态", code="stale_version")
        transition = check_transition(ticket, actor, action)
        ctx = Ctx(
            ticket=ticket,
            user=user,
            actor=actor,
            transition=transition,
            data=dict(data or {}),
            now=clock.now(),
            to_state=transition.target,
        )
        from_state = ticket.state
        HANDLERS[action](ctx)
        if checked and user is not None:
            ctx.payload["attachments"] = store_attachments(
                ticket=ticket,
                files=checked,
                user=user,
                internal=action not in PUBLIC_FILE_ACTIONS or ctx.draft is not None,
            )
            if ctx.draft is not None:
                ctx.draft.attachment_ids = [a["id"] for a in ctx.payload["attachments"]]
                ctx.draft.save(update_fields=["attachment_ids"])
        if ctx.to_state and ctx.to_state != from_state:
            ctx.set(state=ctx.to_state)
            if ctx.to_state in FINAL_STATES:
                ctx.set(closed_at=ctx.now, milestone="", due_at=None, warn_at=None)
        ctx.set(version=ticket.version + 1, updated_at=ctx.now)
        ticket.save(update_fields=sorted(ctx.changed))
        ledger_record(
            subject_type=SUBJECT,
            subject_id=ticket.pk,
            action=action,
            actor=user,
            from_state=from_state,
            to_state=ticket.state,
            payload=ctx.payload,
            at=ctx.now,
        )
    return ticket


# --- helpers ----------------------------------------------------------------------------------


def _department_staff(department_id: int | None) -> list[User]:
    if department_id is None:
        return []
    return list(
        User.objects.filter(department_id=department_id, role__in=DEPARTMENT_ROLES, is_active=True)
    )


def _department_leaders(department_id: int | None) -> list[User]:
    if department_id is None:
        return []
    return list(
        User.objects.filter(department_id=department_id, role=Role.DEPT_LEADER, is_active=True)
    )


def _desk_leads(ticket: Ticket) -> list[User]:
    if ticket.desk_id is None:
        return []
    return list(User.objects.filter(desk_id=ticket.desk_id, role=Role.DESK_LEAD, is_active=True))


def _tell_enterprise(ctx: Ctx, kind: str, text: str) -> None:
    ticket = ctx.ticket
    notify(
        kind=kind,
        subject=(SUBJECT, ticket.pk),
        phone=ticket.contact_phone,
        users=ticket.enterprise.users.filter(is_active=True),
        text=f"工单 {ticket.number}：{text}",
    )


def _tell(users: list[User], ctx: Ctx, kind: str, text: str) -> None:
    if users:
        notify(
            kind=kind,
            subject=(SUBJECT, ctx.ticket.pk),
            users=users,
            text=f"工单 {ctx.ticket.number}：{text}",
        )


def _whole(raw: object) -> int | None:
    """A whole number from JSON or a form: an int (not a bool) or a string of digits."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


def _active_department(raw: object, field: str) -> Department:
    pk = _whole(raw)
    department = Department.objects.filter(pk=pk, active=True).first() if pk is not None else None
    if department is None:
        raise ValidationFailed(fields={field: f"未知或已停用的承办单位：{raw}"})
    return department


def _department(ctx: Ctx, name: str) -> Department:
    raw = ctx.data.get(name)
    if raw in (None, ""):
        raise ValidationFailed(fields={name: "请选择承办单位"})
    return _active_department(raw, name)


def _assign(ctx: Ctx, lead: Department, assisting: list[Department]) -> None:
    """A fresh division of work (dispatch): the lead and the assisting departments, each
    notified; the previous assignments end."""
    Assignment.objects.filter(ticket=ctx.ticket, active=True).update(active=False)
    Assignment.objects.bulk_create(
        Assignment(ticket=ctx.ticket, department=d, role=role, dispatched_at=ctx.now)
        for d, role in [
            (lead, Assignment.Role.LEAD),
            *[(d, Assignment.Role.ASSISTING) for d in assisting],
        ]
    )
    ctx.set(lead_department=lead, assist_pending=[d.pk for d in assisting])
    ctx.payload.update(
        department=lead.pk, department_name=lead.name, assisting=[d.pk for d in assisting]
    )
    _start_sign_clock(ctx)
    _tell(_department_staff(lead.pk), ctx, "ticket_dispatched", "有新派发的工单，请及时签收办理")
    for department in assisting:
        _tell(
            _department_staff(department.pk),
            ctx,
            "ticket_dispatched",
            f"有新派发的协办工单（主办：{lead.name}），请在答复时限前向主办单位反馈协办意见",
        )


def _start_sign_clock(ctx: Ctx) -> None:
    """Sign, then reply: both deadlines run from the moment of (re-)dispatch."""
    ctx.start_milestone(Milestone.SIGN, due_field="due_sign_at")
    reply = compute_due(
        start=ctx.now,
        ticket_type=ctx.ticket.type,
        urgency=ctx.ticket.urgency,
        milestone=Milestone.REPLY,
        policies=ctx.policies,
        calendar=ctx.calendar,
        working=ctx.working_hours,
    )
    ctx.set(due_reply_at=reply.due_at)
    ctx.payload["due"]["reply"] = reply.due_at.isoformat()


# --- intake and first contact -----------------------------------------------------------------


def _register(ctx: Ctx) -> None:
    if ctx.user is not None and ctx.user.desk_id and not ctx.ticket.desk_id:
        ctx.set(desk_id=ctx.user.desk_id)
    ctx.start_milestone(Milestone.DISPATCH, due_field="due_dispatch_at")
    _tell_enterprise(ctx, "ticket_registered", "您的诉求已受理，我们将尽快办理。")


def _reject(ctx: Ctx) -> None:
    reason = ctx.text("reason", "不予受理的理由")
    _tell_enterprise(ctx, "ticket_rejected", f"您的诉求未予受理，理由：{reason}")


MAX_CITED = 5


def _cite(ctx: Ctx) -> None:
    """`articles`: ids of published articles the answer was given from; their live versions
    are cited on the ticket and in the ledger event."""
    raw = ctx.data.get("articles") or []
    if not isinstance(raw, list):
        raise ValidationFailed(fields={"articles": "引用的知识应为列表"})
    if len(raw) > MAX_CITED:
        raise ValidationFailed(fields={"articles": f"最多引用 {MAX_CITED} 条知识"})
    cited = []
    for i, item in enumerate(raw):
        pk = _whole(item)
        article = (
            Article.objects.filter(pk=pk, state=ArticleState.PUBLISHED, live__isnull=False)
            .select_related("live")
            .first()
            if pk is not None
            else None
        )
        if article is None or article.live is None:
            raise ValidationFailed(fields={f"articles.{i}": f"知识 {item} 不存在或未发布"})
        if article.live not in cited:
            cited.append(article.live)
    if not cited:
        return
    assert ctx.user is not None  # answers are given by people
    for version in cited:
        Citation.objects.get_or_create(
            ticket=ctx.ticket,
            version=version,
            defaults={"action": ctx.transition.action, "cited_by": ctx.user, "cited_at": ctx.now},
        )
    ctx.payload["articles"] = [
        {"id": v.article_id, "version": v.number, "version_id": v.pk, "title": v.title}
        for v in cited
    ]


def _gap(ctx: Ctx) -> None:
    """A consultation answered without a fitting article is a gap in the knowledge base (the
    operator may say so explicitly: `no_article`)."""
    flagged = ctx.data.get("no_article") in (True, "true", "on", "1", 1)
    cited = bool(ctx.payload.get("articles"))
    if flagged and cited:
        raise ValidationFailed(fields={"no_article": "已引用知识，不能同时标记“无合适知识”"})
    ticket = ctx.ticket
    if cited or (ticket.type != TicketType.CONSULTATION and not flagged):
        return
    Gap.objects.get_or_create(
        ticket=ticket,
        defaults={
            "category_code": ticket.category.code,
            "domain_code": ticket.route_domain or routing.domain_for(ticket),
            "region_code": ticket.region_code,
            "title": ticket.title,
            "flagged": flagged,
            "reported_by": ctx.user,
            "created_at": ctx.now,
        },
    )
    ctx.payload["no_article"] = True


def _answer(ctx: Ctx) -> None:
    answer = ctx.text("answer", "答复内容")
    _cite(ctx)
    _gap(ctx)
    ctx.set(reply_text=answer, reply_result=ReplyResult.EXPLAINED, first_contact_resolution=True)
    ctx.start_milestone(Milestone.CALLBACK, due_field="due_callback_at")
    _tell_enterprise(ctx, "ticket_answered", "您的诉求已答复，请登录查看。")


LANGUAGES = {"zh": "汉语", "mn": "蒙古语"}


def _refer(ctx: Ctx) -> None:
    """To a policy specialist: the one the operator names, or the routing steps' choice
    (routing.engine); either way an offer the specialist accepts or declines."""
    ticket = ctx.ticket
    domain = str(ctx.data.get("domain") or "").strip()
    if domain and not PolicyDomain.objects.filter(code=domain).exists():
        raise ValidationFailed(fields={"domain": f"未知的政策领域：{domain}"})
    if not domain:  # by the appeal's category, where that domain exists here
        derived = routing.domain_for(ticket)
        domain = derived if PolicyDomain.objects.filter(code=derived).exists() else ""
    language = str(ctx.data.get("language") or "").strip()
    if language and language not in LANGUAGES:
        raise ValidationFailed(fields={"language": "服务语言应为 zh（汉语）或 mn（蒙古语）"})
    ctx.set(route_domain=domain, route_language=language, routed_at=ctx.now)
    raw = ctx.data.get("specialist")
    if raw not in (None, ""):
        pk = _whole(raw)
        specialist = Specialist.objects.filter(pk=pk, active=True).first() if pk else None
        if specialist is None:
            raise ValidationFailed(fields={"specialist": f"未知或已停用的政策专员：{raw}"})
        if not routing.on_duty_now(specialist, ctx.now, ctx.calendar):
            raise ValidationFailed(
                fields={"specialist": f"{specialist.name} 当前不在岗（或不在值班时段）"}
            )
        choice = routing.Choice(specialist, routing.CHOSEN, routing.timeout_for(routing.CHOSEN))
    else:
        found = routing.choose(ticket)
        if found is None:
            raise ValidationFailed(
                fields={
                    "specialist": "当前没有可以接收的政策专员（不在岗或已满额），"
                    "请指定专员、稍后再转，或由专席答复"
                }
            )
        choice = found
    ctx.payload.update(domain=domain, language=language)
    _offer(ctx, choice)
    ctx.start_milestone(Milestone.REPLY, due_field="due_reply_at")


def _offer(ctx: Ctx, choice: routing.Choice) -> None:
    specialist = choice.specialist
    offer = Offer.objects.create(
        ticket=ctx.ticket,
        specialist=specialist,
        step=choice.step,
        offered_at=ctx.now,
        expires_at=ctx.now + choice.timeout,
    )
    ctx.set(specialist=specialist, specialist_accepted=False)
    ctx.payload.update(
        specialist=specialist.pk,
        specialist_name=specialist.name,
        step=choice.step,
        offer=offer.pk,
        offer_expires_at=offer.expires_at.isoformat(),
    )
    # In the workspace and by SMS: an offer waits minutes, not days.
    minutes = int(choice.timeout.total_seconds() // 60)
    notify(
        kind="offer_made",
        subject=(SUBJECT, ctx.ticket.pk),
        users=[specialist.user] if specialist.user is not None else [],
        phone=specialist.phone,
        text=f"工单 {ctx.ticket.number}：有新的政策咨询邀请，请在 {minutes} 分钟内登录接受或谢绝",
    )


def _pending_offer(ctx: Ctx) -> Offer:
    offer = (
        Offer.objects.select_for_update()
        .filter(ticket=ctx.ticket, state=OfferState.PENDING)
        .order_by("-offered_at")
        .first()
    )
    if offer is None:  # a referral always leaves one; an old ticket may not have any
        assert ctx.ticket.specialist_id is not None  # WITH_SPECIALIST always has one
        offer = Offer(
            ticket=ctx.ticket,
            specialist_id=ctx.ticket.specialist_id,
            step=routing.CHOSEN,
            offered_at=ctx.ticket.routed_at or ctx.now,
            expires_at=ctx.now,
        )
    return offer


def _close_offer(ctx: Ctx, offer: Offer, state: str, reason: str = "") -> None:
    offer.state, offer.decided_at, offer.reason = state, ctx.now, reason[:500]
    offer.save()
    ctx.payload.update(offer=offer.pk, offer_state=state)


def _accept_offer(ctx: Ctx) -> None:
    _close_offer(ctx, _pending_offer(ctx), OfferState.ACCEPTED)
    ctx.set(specialist_accepted=True)


def _decline_offer(ctx: Ctx) -> None:
    reason = ctx.text("reason", "谢绝理由")
    offer = _pending_offer(ctx)
    _close_offer(ctx, offer, OfferState.DECLINED, reason)
    _route_on(ctx, after=offer.step)


def _reroute(ctx: Ctx) -> None:
    """The sweep moves an offer not accepted in time on; a desk lead may do it at once."""
    offer = _pending_offer(ctx)
    expired = ctx.actor.is_system
    ctx.text("note", "说明", required=False)
    _close_offer(ctx, offer, OfferState.EXPIRED if expired else OfferState.WITHDRAWN)
    _route_on(ctx, after=offer.step)


def _route_on(ctx: Ctx, *, after: str) -> None:
    choice = routing.choose(ctx.ticket, after=after)
    if choice is not None:
        ctx.payload.pop("offer", None)
        _offer(ctx, choice)
        return
    # Nobody left: back to the desk, which answers, dispatches or refers it again.
    ctx.to_state = TicketState.REGISTERED
    ctx.set(specialist=None, specialist_accepted=False)
    ctx.start_milestone(Milestone.DISPATCH, due_field="due_dispatch_at")
    ctx.payload["back_to_desk"] = True
    _tell(_desk_leads(ctx.ticket), ctx, "offer_unrouted", "没有政策专员接收该咨询，已退回专席")


def _specialist_reply(ctx: Ctx) -> None:
    answer = ctx.text("answer", "答复内容")
    _cite(ctx)
    _gap(ctx)
    ctx.set(reply_text=answer, reply_result=ReplyResult.EXPLAINED)
    ctx.start_milestone(Milestone.CALLBACK, due_field="due_callback_at")
    _tell_enterprise(ctx, "ticket_answered", "政策专员已答复您的咨询，请登录查看。")


def _dispatch(ctx: Ctx) -> None:
    lead = _department(ctx, "department")
    raw_assisting = ctx.data.get("assisting") or []
    if not isinstance(raw_assisting, list):
        raise ValidationFailed(fields={"assisting": "协办单位应为列表"})
    assisting: list[Department] = []
    for i, raw in enumerate(raw_assisting):
        department = _active_department(raw, f"assisting.{i}")
        if department.pk == lead.pk or department in assisting:
            raise ValidationFailed(
                fields={f"assisting.{i}": "协办单位不能与主办单位或其他协办单位重复"}
            )
        assisting.append(department)
    _assign(ctx, lead, assisting)
    _tell_enterprise(ctx, "ticket_dispatched", f"您的诉求已转 {lead.name} 办理。")


# --- the department -------------------------------------------------------------------------


def _sign(ctx: Ctx) -> None:
    assert ctx.actor.department_id is not None  # the transition's relation guarantees it
    Assignment.objects.filter(
        ticket=ctx.ticket,
        active=True,
        department_id=ctx.actor.department_id,
        signed_at__isnull=True,
    ).update(signed_at=ctx.now)
    ctx.resume_milestone(Milestone.REPLY, ctx.ticket.due_reply_at)


def _open_request(ctx: Ctx, kind: RequestKind, **extra: Any) -> None:
    assert ctx.user is not None
    PendingDecision.objects.create(
        ticket=ctx.ticket,
        kind=kind,
        reason=ctx.payload["reason"],
        requested_by=ctx.user,
        requested_at=ctx.now,
        **extra,
    )
    ctx.set(pending_request=kind)
    _tell(_desk_leads(ctx.ticket), ctx, f"{kind}_requested", f"承办单位提交了{kind.label}，请审批")


def _request_return(ctx: Ctx) -> None:
    ctx.text("reason", "退单理由")
    basis = ctx.text("legal_basis", "退单依据（法律法规或职责文件）")
    _open_request(ctx, RequestKind.RETURN, legal_basis=basis)


def _request_extension(ctx: Ctx) -> None:
    days = _whole(ctx.data.get("days"))
    if days is None:
        raise ValidationFailed(fields={"days": "请填写延期的工作日数"})
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationFailed(fields={"days": f"延期工作日数应在 1 到 {MAX_EXTENSION_DAYS} 之间"})
    ctx.payload["days"] = days
    ctx.text("reason", "延期理由")
    _open_request(ctx, RequestKind.EXTENSION, days=days)


def _decide(ctx: Ctx, kind: RequestKind, approved: bool) -> PendingDecision:
    request = PendingDecision.objects.select_for_update().get(
        ticket=ctx.ticket, kind=kind, decided_at__isnull=True
    )
    note = ctx.text("note", "审批意见", required=not approved)
    request.approved, request.decided_by, request.decided_at = approved, ctx.user, ctx.now
    request.decision_note = note
    request.save(update_fields=["approved", "decided_by", "decided_at", "decision_note"])
    ctx.set(pending_request="")
    ctx.payload["request"] = request.pk
    verdict = "已同意" if approved else f"未同意（{note}）"
    _tell(
        _department_staff(ctx.ticket.lead_department_id),
        ctx,
        f"{kind}_decided",
        f"您的{kind.label}{verdict}",
    )
    return request


def _approve_return(ctx: Ctx) -> None:
    _decide(ctx, RequestKind.RETURN, True)
    Assignment.objects.filter(ticket=ctx.ticket, active=True).update(active=False)
    ctx.set(lead_department=None, assist_pending=[], due_sign_at=None, due_reply_at=None)
    ctx.start_milestone(Milestone.DISPATCH, due_field="due_dispatch_at")


def _refuse_return(ctx: Ctx) -> None:
    _decide(ctx, RequestKind.RETURN, False)


def _approve_extension(ctx: Ctx) -> None:
    request = _decide(ctx, RequestKind.EXTENSION, True)
    days = request.days or 0
    ticket = ctx.ticket
    base = ticket.due_reply_at or ctx.now
    new_due = add_working_days(base, days, ctx.calendar)
    ctx.set(due_reply_at=new_due, extension_days=ticket.extension_days + days)
    if ticket.milestone == Milestone.REPLY:
        ctx.resume_milestone(Milestone.REPLY, new_due)
    ctx.payload.update(days=days, due_reply_at=new_due.isoformat())
    _tell_enterprise(
        ctx, "ticket_extended", f"办理期限经批准延长 {days} 个工作日，至 {new_due:%Y-%m-%d}。"
    )


def _refuse_extension(ctx: Ctx) -> None:
    _decide(ctx, RequestKind.EXTENSION, False)


def _suspend(ctx: Ctx) -> None:
    ctx.text("reason", "挂起原因（需企业补充的材料）")
    ctx.set(suspended_at=ctx.now)
    _tell_enterprise(ctx, "ticket_suspended", f"办理需要您补充材料：{ctx.payload['reason']}")


def _resume(ctx: Ctx) -> None:
    """The clock was paused: every running deadline moves by the time spent suspended."""
    ticket = ctx.ticket
    paused = ctx.now - (ticket.suspended_at or ctx.now)
    shifted = {
        name: getattr(ticket, name) + paused
        for name in ("due_reply_at", "due_at", "warn_at")
        if getattr(ticket, name) is not None
    }
    ctx.set(suspended_at=None, **shifted)
    ctx.payload["paused_seconds"] = int(paused.total_seconds())
    ctx.text("note", "说明", required=False)


def _assist(ctx: Ctx) -> None:
    """An assisting department's opinion to the lead; the ticket stays where it is."""
    department_id = ctx.actor.department_id
    assert department_id is not None  # the transition's relation guarantees it
    opinion = ctx.text("opinion", "协办意见")
    Assignment.objects.filter(
        ticket=ctx.ticket,
        active=True,
        department_id=department_id,
        role=Assignment.Role.ASSISTING,
    ).update(replied_at=ctx.now, reply_text=opinion)
    ctx.set(assist_pending=[d for d in ctx.ticket.assist_pending if d != department_id])
    name = Department.objects.values_list("name", flat=True).get(pk=department_id)
    ctx.payload.update(department=department_id, department_name=name)
    _tell(
        _department_staff(ctx.ticket.lead_department_id),
        ctx,
        "ticket_assisted",
        f"协办单位 {name} 已反馈协办意见",
    )


def _reply_fields(ctx: Ctx) -> tuple[str, str]:
    result = str(ctx.data.get("result") or "")
    if result not in ReplyResult.values:
        raise ValidationFailed(
            fields={"result": "办理结果应为 resolved、partly_resolved 或 explained"}
        )
    ctx.payload["result"] = result
    return result, ctx.text("explanation", "答复说明")


def _reply(ctx: Ctx) -> None:
    result, explanation = _reply_fields(ctx)
    lead = ctx.ticket.lead_department
    assert lead is not None  # the transition's relation guarantees it
    if ctx.actor.role == Role.HANDLER and lead.reply_needs_signoff:
        # Held for the leader: the ticket stays in progress and its clock keeps running.
        assert ctx.user is not None
        ctx.draft = PendingDecision.objects.create(
            ticket=ctx.ticket,
            kind=RequestKind.SIGNOFF,
            reason="",
            reply_result=result,
            reply_text=explanation,
            requested_by=ctx.user,
            requested_at=ctx.now,
        )
        ctx.set(pending_request=RequestKind.SIGNOFF)
        ctx.payload["signoff"] = "requested"
        ctx.to_state = None
        _tell(_department_leaders(lead.pk), ctx, "signoff_requested", "承办人提交了答复稿，请审签")
        return
    _replied(ctx, result, explanation)


def _replied(ctx: Ctx, result: str, explanation: str) -> None:
    ctx.set(reply_result=result, reply_text=explanation)
    Assignment.objects.filter(ticket=ctx.ticket, active=True, role=Assignment.Role.LEAD).update(
        replied_at=ctx.now
    )
    ctx.stop_clock()
    _tell(_desk_leads(ctx.ticket), ctx, "ticket_replied", "承办单位已答复，请审核")


def _approve_reply(ctx: Ctx) -> None:
    """The leader signs the draft off (optionally amending its text): it becomes the reply."""
    draft = _decide(ctx, RequestKind.SIGNOFF, True)
    explanation = ctx.text("explanation", "答复说明", required=False) or draft.reply_text
    if explanation != draft.reply_text:
        ctx.payload["amended"] = True
    ctx.payload["result"] = draft.reply_result
    Attachment.objects.filter(ticket=ctx.ticket, pk__in=draft.attachment_ids).update(internal=False)
    if draft.attachment_ids:
        ctx.payload["published_attachments"] = list(draft.attachment_ids)
    _replied(ctx, draft.reply_result, explanation)


def _refuse_reply(ctx: Ctx) -> None:
    _decide(ctx, RequestKind.SIGNOFF, False)


def _accept_reply(ctx: Ctx) -> None:
    ctx.text("note", "审核意见", required=False)
    ctx.start_milestone(Milestone.CALLBACK, due_field="due_callback_at")
    _tell_enterprise(ctx, "ticket_answered", "您的诉求已办理答复，我们将进行回访。")


def _redo_round(ctx: Ctx, label: str) -> None:
    ctx.text("note", label)
    ctx.set(redo_count=ctx.ticket.redo_count + 1, callback_dissatisfied=False)
    ctx.start_milestone(Milestone.REPLY, due_field="due_reply_at")
    _tell(
        _department_staff(ctx.ticket.lead_department_id),
        ctx,
        "ticket_redo",
        f"工单需重新办理：{ctx.payload['note']}",
    )


def _send_back(ctx: Ctx) -> None:
    _redo_round(ctx, "退回重办的理由")


def _callback(ctx: Ctx) -> None:
    satisfaction = _whole(ctx.data.get("satisfaction"))
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed(
            fields={"satisfaction": "满意度应为 1（非常不满意）到 5（非常满意）"}
        )
    resolved = ctx.data.get("resolved")
    if not isinstance(resolved, bool):
        raise ValidationFailed(fields={"resolved": "请选择问题是否解决"})
    ctx.text("note", "回访记录", required=False)
    ctx.payload.update(satisfaction=satisfaction, resolved=resolved)
    ctx.set(satisfaction=satisfaction, resolved=resolved)
    if satisfaction >= SATISFIED_FROM:
        ctx.to_state = TicketState.CLOSED
        _tell_enterprise(ctx, "ticket_closed", "您的诉求已办结，感谢您的评价。")
    else:
        ctx.set(callback_dissatisfied=True)
        ctx.stop_clock()


def _redo(ctx: Ctx) -> None:
    _redo_round(ctx, "重办要求")


def _close(ctx: Ctx) -> None:
    ctx.text("reason", "不满意仍办结的理由")
    ctx.set(callback_dissatisfied=False)
    _tell_enterprise(ctx, "ticket_closed", "您的诉求已办结。")


def _merge(ctx: Ctx) -> None:
    pk = _whole(ctx.data.get("into"))
    visible = tickets_visible_to(ctx.actor).select_for_update()
    master = visible.filter(pk=pk).first() if pk is not None else None
    if master is None:
        raise ValidationFailed(fields={"into": "请填写要并入的主工单（须在您的辖区内）"})
    if master.pk == ctx.ticket.pk:
        raise ValidationFailed(fields={"into": "不能并入自身"})
    if master.state in FINAL_STATES:
        raise ValidationFailed(
            fields={"into": f"主工单 {master.number} 已{master.get_state_display()}，不能并入"}
        )
    ctx.set(merged_into=master)
    ctx.payload.update(into=master.pk, into_number=master.number)
    ledger_record(
        subject_type=SUBJECT,
        subject_id=master.pk,
        action="merged_in",
        actor=ctx.user,
        from_state=master.state,
        to_state=master.state,
        at=ctx.now,
        payload={"ticket": ctx.ticket.pk, "number": ctx.ticket.number},
    )
    _tell_enterprise(ctx, "ticket_merged", f"您的诉求与工单 {master.number} 合并办理。")


def _withdraw(ctx: Ctx) -> None:
    ctx.text("reason", "撤单原因", required=False)
    held_by = [ctx.ticket.lead_department_id, *ctx.ticket.assist_pending]
    Assignment.objects.filter(ticket=ctx.ticket, active=True).update(active=False)
    PendingDecision.objects.filter(ticket=ctx.ticket, decided_at__isnull=True).update(
        decided_at=ctx.now, approved=False, decision_note="工单已撤销"
    )
    Offer.objects.filter(ticket=ctx.ticket, state=OfferState.PENDING).update(
        state=OfferState.WITHDRAWN, decided_at=ctx.now
    )
    ctx.set(pending_request="", assist_pending=[])
    for department_id in held_by:
        _tell(
            _department_staff(department_id),
            ctx,
            "ticket_withdrawn",
            "该诉求已撤回，无需继续办理",
        )


def _supplement(ctx: Ctx) -> None:
    ctx.text("note", "补充说明")
    _tell(
        _department_staff(ctx.ticket.lead_department_id),
        ctx,
        "ticket_supplemented",
        "企业已补充材料，请查看后恢复办理",
    )


def _rate(ctx: Ctx) -> None:
    rating = _whole(ctx.data.get("rating"))
    if rating not in Satisfaction.values:
        raise ValidationFailed(fields={"rating": "评价应为 1（非常不满意）到 5（非常满意）"})
    ctx.text("comment", "评价意见", required=False)
    ctx.payload["rating"] = rating
    ctx.set(enterprise_rating=rating)


def _oversight(ctx: Ctx, flag: str, kind: str, text: str) -> None:
    ctx.text("note", "说明", required=False)
    ticket = ctx.ticket
    ctx.set(**{flag: ticket.milestone})
    ctx.payload["milestone"] = ticket.milestone
    if ticket.lead_department_id and ticket.state in DEPARTMENT_STATES:
        target = _department_staff(ticket.lead_department_id)
    elif (
        ticket.state == TicketState.WITH_SPECIALIST and ticket.specialist and ticket.specialist.user
    ):
        target = [ticket.specialist.user]
    else:
        target = _desk_leads(ticket)
    _tell(target, ctx, kind, text)


def _remind(ctx: Ctx) -> None:
    _oversight(ctx, "reminded_for", "ticket_reminded", "催办：请在时限内办理")


def _escalate(ctx: Ctx) -> None:
    _oversight(
        ctx, "escalated_for", "ticket_escalated", "督办：工单已超期或被督办，请立即办理并说明情况"
    )


def _reassign(ctx: Ctx) -> None:
    lead = _department(ctx, "department")
    if lead.pk == ctx.ticket.lead_department_id:
        raise ValidationFailed(fields={"department": "改派的单位与当前主办单位相同"})
    ctx.text("reason", "改派原因", required=False)
    ticket = ctx.ticket
    previous = ticket.lead_department_id
    # Only the lead changes: assisting departments keep their part and their opinions, except
    # one that now leads.
    Assignment.objects.filter(ticket=ticket, active=True).filter(
        Q(role=Assignment.Role.LEAD) | Q(department=lead)
    ).update(active=False)
    Assignment.objects.create(
        ticket=ticket, department=lead, role=Assignment.Role.LEAD, dispatched_at=ctx.now
    )
    ctx.set(lead_department=lead, assist_pending=[d for d in ticket.assist_pending if d != lead.pk])
    ctx.payload.update(department=lead.pk, department_name=lead.name)
    _start_sign_clock(ctx)
    _tell(
        _department_staff(lead.pk), ctx, "ticket_dispatched", "有改派给本单位的工单，请及时签收办理"
    )
    _tell(_department_staff(previous), ctx, "ticket_reassigned", f"该工单已改派至 {lead.name}")


HANDLERS: dict[str, Handler] = {
    "register": _register,
    "reject": _reject,
    "answer": _answer,
    "refer": _refer,
    "accept_offer": _accept_offer,
    "decline_offer": _decline_offer,
    "reroute": _reroute,
    "specialist_reply": _specialist_reply,
    "dispatch": _dispatch,
    "sign": _sign,
    "request_return": _request_return,
    "approve_return": _approve_return,
    "refuse_return": _refuse_return,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
    "suspend": _suspend,
    "resume": _resume,
    "assist": _assist,
    "reply": _reply,
    "approve_reply": _approve_reply,
    "refuse_reply": _refuse_reply,
    "accept_reply": _accept_reply,
    "send_back": _send_back,
    "callback": _callback,
    "redo": _redo,
    "close": _close,
    "merge": _merge,
    "withdraw": _withdraw,
    "remind": _remind,
    "escalate": _escalate,
    "reassign": _reassign,
    "supplement": _supplement,
    "rate": _rate,
}
