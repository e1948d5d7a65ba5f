"""Answering consultations: at the desk from the knowledge base (即时解答, citing article
versions; a consultation with no fitting article is a knowledge gap), or by a policy
specialist reached through routing (refer, offer, accept / decline / reroute, reply).
Handlers of the ticket machine."""

from __future__ import annotations

from qitong.core.errors import ValidationFailed
from qitong.directory.models import PolicyDomain, Specialist
from qitong.knowledge.models import Article, ArticleState
from qitong.notifications.services import Note
from qitong.routing import engine as routing
from qitong.tickets import inputs as I
from qitong.tickets.models import Citation, Gap, Offer, OfferState
from qitong.tickets.selectors import WORKLOAD, route_request
from qitong.tickets.services.context import SUBJECT, Ctx, desk_leads, tell, tell_enterprise
from qitong.tickets.states import Milestone, ReplyResult, TicketState, TicketType
from qitong.tickets.transitions import TICKET


def _cite(ctx: Ctx, given: I.AnswerIn) -> None:
    """`articles`: ids of published articles the answer was given from; their live versions
    are cited on the ticket and in the ledger event."""
    cited = []
    for i, item in enumerate(given.articles):
        article = (
            Article.objects.filter(pk=item, state=ArticleState.PUBLISHED, live__isnull=False)
            .select_related("live")
            .first()
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
            defaults={"action": ctx.transition.name, "cited_by": ctx.user, "cited_at": ctx.now},
        )
    ctx.payload["articles"] = [
        {"id": v.article_id, "version": v.number, "version_id": v.pk, "title": v.title}
        for v in cited
    ]


def _gap(ctx: Ctx, given: I.AnswerIn) -> None:
    """A consultation answered without a fitting article is a gap in the knowledge base (the
    operator may say so explicitly: `no_article`)."""
    flagged = bool(given.no_article)
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
            "domain_code": ticket.route_domain or routing.domain_for(ticket.category.code),
            "region_code": ticket.region_code,
            "title": ticket.title,
            "flagged": flagged,
            "reported_by": ctx.user,
            "created_at": ctx.now,
        },
    )
    ctx.payload["no_article"] = True


@TICKET.handles("answer")
def _answer(ctx: Ctx) -> None:
    given = ctx.args(I.AnswerIn)
    _cite(ctx, given)
    _gap(ctx, given)
    ctx.set(
        reply_text=given.answer, reply_result=ReplyResult.EXPLAINED, first_contact_resolution=True
    )
    ctx.start_milestone(Milestone.CALLBACK, due_field="due_callback_at")
    tell_enterprise(ctx, "ticket_answered", "您的诉求已答复，请登录查看。")


@TICKET.handles("refer")
def _refer(ctx: Ctx) -> None:
    """To a policy specialist: the one the operator names, or the routing steps' choice
    (routing.engine); either way an offer the specialist accepts or declines."""
    ticket = ctx.ticket
    given = ctx.args(I.ReferIn)
    domain = given.domain
    if domain and not PolicyDomain.objects.filter(code=domain).exists():
        raise ValidationFailed(fields={"domain": f"未知的政策领域：{domain}"})
    if not domain:  # by the appeal's category, where that domain exists here
        derived = routing.domain_for(ticket.category.code)
        domain = derived if PolicyDomain.objects.filter(code=derived).exists() else ""
    language = given.language or ""
    ctx.set(route_domain=domain, route_language=language, routed_at=ctx.now)
    if given.specialist is not None:
        specialist = Specialist.objects.filter(pk=given.specialist, active=True).first()
        if specialist is None:
            raise ValidationFailed(
                fields={"specialist": f"未知或已停用的政策专员：{given.specialist}"}
            )
        if not routing.on_duty_now(specialist, ctx.now, ctx.calendar):
            raise ValidationFailed(
                fields={"specialist": f"{specialist.name} 当前不在岗（或不在值班时段）"}
            )
        choice = routing.Choice(specialist, routing.CHOSEN, routing.timeout_for(routing.CHOSEN))
    else:
        found = routing.choose(route_request(ticket), workload=WORKLOAD)
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
    ctx.notes.append(
        Note(
            kind="offer_made",
            subject=(SUBJECT, ctx.ticket.pk),
            users=[specialist.user] if specialist.user is not None else [],
            phone=specialist.phone,
            text=f"工单 {ctx.ticket.number}：有新的政策咨询邀请，请在 {minutes} 分钟内登录接受或谢绝",
        )
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


@TICKET.handles("accept_offer")
def _accept_offer(ctx: Ctx) -> None:
    _close_offer(ctx, _pending_offer(ctx), OfferState.ACCEPTED)
    ctx.set(specialist_accepted=True)


@TICKET.handles("decline_offer")
def _decline_offer(ctx: Ctx) -> None:
    reason = ctx.args(I.DeclineOfferIn).reason
    offer = _pending_offer(ctx)
    _close_offer(ctx, offer, OfferState.DECLINED, reason)
    _route_on(ctx, after=offer.step)


@TICKET.handles("reroute")
def _reroute(ctx: Ctx) -> None:
    """The sweep moves an offer not accepted in time on; a desk lead may do it at once."""
    offer = _pending_offer(ctx)
    expired = ctx.actor.is_system
    _close_offer(ctx, offer, OfferState.EXPIRED if expired else OfferState.WITHDRAWN)
    _route_on(ctx, after=offer.step)


def _route_on(ctx: Ctx, *, after: str) -> None:
    choice = routing.choose(route_request(ctx.ticket), workload=WORKLOAD, after=after)
    if choice is not None:
        ctx.payload.pop("offer", None)
        _offer(ctx, choice)
        return
    # Nobody left: back to the desk, which answers, dispatches or refers it again.
    ctx.go(TicketState.REGISTERED)
    ctx.set(specialist=None, specialist_accepted=False)
    ctx.start_milestone(Milestone.DISPATCH, due_field="due_dispatch_at")
    ctx.payload["back_to_desk"] = True
    tell(desk_leads(ctx.ticket), ctx, "offer_unrouted", "没有政策专员接收该咨询，已退回专席")


@TICKET.handles("specialist_reply")
def _specialist_reply(ctx: Ctx) -> None:
    given = ctx.args(I.SpecialistReplyIn)
    _cite(ctx, given)
    _gap(ctx, given)
    ctx.set(reply_text=given.answer, reply_result=ReplyResult.EXPLAINED)
    ctx.start_milestone(Milestone.CALLBACK, due_field="due_callback_at")
    tell_enterprise(ctx, "ticket_answered", "政策专员已答复您的咨询，请登录查看。")
