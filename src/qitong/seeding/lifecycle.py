"""A ticket's lifecycle as the seeder lives it: intake, routing, the department's work, review,
callback, and the open tail at the seeding moment (see qitong.seeding.story for the mechanics).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import random
from typing import Any

from qitong.core.workdays import add_working_days, working_minutes
from qitong.seeding import text
from qitong.seeding.distributions import (
    CHANNEL_WEIGHTS,
    KINDS_BY_TOP,
    ONLINE,
    P_ASSISTING,
    P_EXTENSION,
    P_REDO,
    P_REJECT,
    P_URGENT,
    P_WITHDRAW,
    PROBLEM_TOPS,
    ROUTES,
    SATISFACTION,
    TOP_WEIGHTS,
    TYPE_WEIGHTS,
)
from qitong.seeding.story import FINAL, SUPERVISED, WITHDRAWABLE, Ev, Result, Story, hours, weighted
from qitong.seeding.world import SYSTEM, Deadlines, Dept, EntRef, Person, World


@functools.lru_cache(maxsize=65536)
def _words(content: str) -> str:
    """The word-search index text, as intake writes it (appeals repeat: cached)."""
    from qitong.tickets.search import ticket_words  # after django.setup()

    return ticket_words(content[:30], content)


def _describe(story: Story) -> None:
    """Type, category, urgency, channel and text of the appeal."""
    rng, f, world = story.rng, story.f, story.world
    ticket_type = weighted(rng, TYPE_WEIGHTS)
    f["type"] = ticket_type
    if ticket_type == "problem_report":
        f["problem_category"] = rng.choice(list(PROBLEM_TOPS))
        top = PROBLEM_TOPS[f["problem_category"]]
        f["confidential"] = True
    else:
        top = weighted(rng, TOP_WEIGHTS)
    category = rng.choice(world.categories[top])
    f["category_id"] = category.id
    f["urgency"] = "urgent" if rng.random() < P_URGENT.get(ticket_type, 0.03) else "normal"
    channel = weighted(rng, CHANNEL_WEIGHTS)
    if channel in ONLINE and story.enterprise.user is None:
        channel = "phone"  # only enterprises with an account file online
    f["channel"] = channel
    content = text.appeal(rng, top, story.enterprise.county_name)
    f["content"] = content
    f["title"] = content[:30]
    f["search_words"] = _words(content)
    story.top = top
    story.category_code = category.code


def _create(story: Story) -> None:
    world, rng, f, ent = story.world, story.rng, story.f, story.enterprise
    online = f["channel"] in ONLINE
    if online:
        story.desk = world.online_desk[ent.city_code]
        actor = ent.user
        assert actor is not None
        state, milestone, due_field = "submitted", "register", "due_register_at"
    else:
        region = ent.city_code if rng.random() < 0.7 else "150000"
        story.desk = rng.choice(world.desks[region])
        actor = story.operator()
        state, milestone, due_field = "registered", "dispatch", "due_dispatch_at"
    f["desk_id"] = story.desk.id
    f["created_by_id"] = actor.id

    def change(at: dt.datetime, payload: dict[str, Any]) -> None:
        story.start(milestone, at, {}, due_field)
        payload.update(
            number=f["number"],
            type=f["type"],
            category=story.category_code,
            urgency=f["urgency"],
            channel=f["channel"],
            title=f["title"],
            credit_code=ent.credit_code,
            confidential=f["confidential"],
            content_sha256=hashlib.sha256(f["content"].encode()).hexdigest(),
        )

    story._apply(f["created_at"], "create", actor, state, change)


def _register(story: Story) -> bool:
    rng = story.rng
    at = story.last_at + hours(rng, 0.6, 1.0, cap=72)
    if rng.random() < P_REJECT:

        def reject(at: dt.datetime, payload: dict[str, Any]) -> None:
            payload["reason"] = rng.choice(text.REJECT_REASONS)

        story.act(at, "reject", story.operator(), "rejected", reject)
        return False

    def register(at: dt.datetime, payload: dict[str, Any]) -> None:
        story.start("dispatch", at, payload, "due_dispatch_at")

    return story.act(at, "register", story.operator(), "registered", register)


def _callback(story: Story, after: dt.timedelta) -> None:
    """The desk calls back; dissatisfied callers are closed with a reason by the desk lead."""
    rng = story.rng
    score = rng.choices([s for s, _ in SATISFACTION], weights=[w for _, w in SATISFACTION])[0]
    resolved = score >= 3 and rng.random() < 0.93

    def callback(at: dt.datetime, payload: dict[str, Any]) -> None:
        note = rng.choice(text.CALLBACK_NOTES) if score >= 3 else "企业对办理结果不满意"
        if note:
            payload["note"] = note
        payload.update(satisfaction=score, resolved=resolved)
        story.f.update(satisfaction=score, resolved=resolved)
        if score < 3:
            story.f["callback_dissatisfied"] = True
            story.stop()

    at = story.last_at + after
    if not story.act(at, "callback", story.operator(), "closed" if score >= 3 else None, callback):
        return
    if score < 3 and story.lead_dept is not None and rng.random() < P_REDO and _redo(story):
        return
    if score < 3:

        def close(at: dt.datetime, payload: dict[str, Any]) -> None:
            payload["reason"] = rng.choice(text.CLOSE_REASONS)
            story.f["callback_dissatisfied"] = False

        story.act(story.last_at + hours(rng, 20, 0.7), "close", story.lead(), "closed", close)


def _extension(story: Story) -> bool:
    """The lead department asks for more time and the desk lead approves it: the reply
    deadline moves by the approved working days (tickets.services.departments)."""
    rng, f = story.rng, story.f
    lead = story.lead_dept
    assert lead is not None
    days = rng.choice((3, 5, 5, 10))
    reason = rng.choice(text.EXTENSION_REASONS)
    at = story.last_at + hours(rng, 20, 0.8, cap=24 * 5)
    decision: dict[str, Any] = {
        "ticket_id": f["id"], "kind": "extension", "reason": reason, "legal_basis": "",
        "days": days, "reply_result": "", "reply_text": "", "attachment_ids": [],
        "requested_by_id": lead.handler.id, "requested_at": at, "approved": None,
        "decided_by_id": None, "decided_at": None, "decision_note": "",
    }  # fmt: skip

    def request(at: dt.datetime, payload: dict[str, Any]) -> None:
        payload.update(days=days, reason=reason)
        f["pending_request"] = "extension"
        story.decisions.append(decision)

    if not story.act(at, "request_extension", lead.handler, None, request):
        return False

    def approve(at: dt.datetime, payload: dict[str, Any]) -> None:
        new_due = add_working_days(f["due_reply_at"], days, story.deadlines.calendar)
        decision.update(approved=True, decided_by_id=story.lead().id, decided_at=at)
        f.update(
            pending_request="", due_reply_at=new_due, extension_days=f["extension_days"] + days
        )
        story.resume("reply", new_due, at)
        payload.update(days=days, due_reply_at=new_due.isoformat())

    return story.act(
        story.last_at + hours(rng, 3, 0.8, cap=48), "approve_extension", story.lead(), None, approve
    )


def _redo(story: Story) -> bool:
    """A dissatisfied callback sent back for another round: the lead department replies
    again, the desk accepts and calls back (tickets.services.actions._redo_round)."""
    rng, f = story.rng, story.f
    lead = story.lead_dept
    assert lead is not None

    def redo(at: dt.datetime, payload: dict[str, Any]) -> None:
        payload["note"] = "企业对办理结果不满意，请重新办理"
        f.update(redo_count=f["redo_count"] + 1, callback_dissatisfied=False)
        story.start("reply", at, payload, "due_reply_at")

    if not story.act(
        story.last_at + hours(rng, 4, 0.8, cap=48), "redo", story.operator(), "in_progress", redo
    ):
        return False

    def reply(at: dt.datetime, payload: dict[str, Any]) -> None:
        explanation = rng.choice(text.REPLIES)
        payload.update(explanation=explanation, result="resolved")
        f.update(reply_result="resolved", reply_text=explanation)
        f.update(
            replied_at=at,
            replied_on_time=at <= f["due_reply_at"],
            reply_minutes=working_minutes(f["lead_since"], at, story.deadlines.calendar),
        )
        story.stop()

    if not story.act(
        story.last_at + hours(rng, 30, 0.8, cap=24 * 8), "reply", lead.handler, "replied", reply
    ):
        return True

    def accept(at: dt.datetime, payload: dict[str, Any]) -> None:
        story.start("callback", at, payload, "due_callback_at")

    if story.act(
        story.last_at + hours(rng, 5, 0.9, cap=24 * 7),
        "accept_reply",
        story.lead(),
        "awaiting_callback",
        accept,
    ):
        _callback(story, hours(rng, 12, 0.8, cap=24 * 10))
    return True


def _answer(story: Story, online: bool) -> None:
    rng = story.rng
    delay = hours(rng, 0.1, 0.5, cap=1) if not online else hours(rng, 1.0, 0.8, cap=48)

    def answer(at: dt.datetime, payload: dict[str, Any]) -> None:
        reply = rng.choice(text.ANSWERS)
        payload["answer"] = reply
        story.f.update(reply_text=reply, reply_result="explained", first_contact_resolution=True)
        story.start("callback", at, payload, "due_callback_at")

    if story.act(story.last_at + delay, "answer", story.operator(), "awaiting_callback", answer):
        _callback(story, hours(rng, 18, 0.8, cap=24 * 10))


def _refer(story: Story) -> None:
    rng, ent = story.rng, story.enterprise
    pool = story.world.specialists.get(ent.city_code) or story.world.specialists["150000"]
    specialist = rng.choice(pool)

    def refer(at: dt.datetime, payload: dict[str, Any]) -> None:
        story.f["specialist_id"] = specialist.id
        story.f["routed_at"] = at
        payload.update(specialist=specialist.id, specialist_name=specialist.name, step="chosen")
        story.start("reply", at, payload, "due_reply_at")

    if not story.act(
        story.last_at + hours(rng, 0.5, 0.8, cap=24),
        "refer",
        story.operator(),
        "with_specialist",
        refer,
    ):
        return

    def accept(at: dt.datetime, payload: dict[str, Any]) -> None:
        story.f["specialist_accepted"] = True
        payload["specialist"] = specialist.id

    at = story.last_at + hours(rng, 0.3, 0.8, cap=2)
    if not story.act(at, "accept_offer", specialist.person, None, accept):
        return

    def specialist_reply(at: dt.datetime, payload: dict[str, Any]) -> None:
        reply = rng.choice(text.ANSWERS)
        payload["answer"] = reply
        story.f.update(reply_text=reply, reply_result="explained")
        story.start("callback", at, payload, "due_callback_at")

    at = story.last_at + hours(rng, 20, 0.8, cap=24 * 20)
    if story.act(at, "specialist_reply", specialist.person, "awaiting_callback", specialist_reply):
        _callback(story, hours(rng, 18, 0.8, cap=24 * 10))


def _department_for(story: Story) -> Dept:
    rng, world, ent = story.rng, story.world, story.enterprise
    if story.f["type"] == "problem_report" and rng.random() < 0.5:
        kind = "business_environment"
    else:
        kind = rng.choice(KINDS_BY_TOP[story.top])
    city = world.departments.get((ent.city_code, kind))
    if city is None or rng.random() < 0.3:
        return world.departments[("150000", kind)]
    return city


def _dispatch(story: Story) -> None:
    rng, f = story.rng, story.f
    lead = _department_for(story)
    story.lead_dept = lead
    assisting: list[Dept] = []
    if rng.random() < P_ASSISTING:
        other = story.world.departments.get(
            (lead.region_code, rng.choice(("finance", "development_reform", "commerce")))
        )
        if other is not None and other.id != lead.id:
            assisting.append(other)
    urgent = f["urgency"] == "urgent"

    def dispatch(at: dt.datetime, payload: dict[str, Any]) -> None:
        for dept, role in [(lead, "lead"), *((d, "assisting") for d in assisting)]:
            story.assignments.append(
                {
                    "ticket_id": f["id"],
                    "department_id": dept.id,
                    "role": role,
                    "active": True,
                    "dispatched_at": at,
                    "signed_at": None,
                    "replied_at": None,
                    "reply_text": "",
                }
            )
        f["lead_department_id"] = lead.id
        f["assist_pending"] = [d.id for d in assisting]
        f["dispatched_at"] = f["dispatched_at"] or at
        f["lead_since"] = at
        payload.update(
            department=lead.id, department_name=lead.name, assisting=[d.id for d in assisting]
        )
        story.start("sign", at, payload, "due_sign_at")
        due_reply, _ = story.deadlines.due(at, f["type"], f["urgency"], "reply")
        f["due_reply_at"] = due_reply
        payload["due"]["reply"] = due_reply.isoformat()

    delay = hours(rng, 0.3, 0.8, cap=2) if urgent else hours(rng, 2.5, 1.0, cap=72)
    if not story.act(story.last_at + delay, "dispatch", story.operator(), "dispatched", dispatch):
        return

    def sign(at: dt.datetime, payload: dict[str, Any]) -> None:
        story.assignments[0]["signed_at"] = at
        f.update(signed_at=at, signed_on_time=at <= f["due_sign_at"])
        story.resume("reply", f["due_reply_at"], at)

    delay = hours(rng, 0.5, 0.8, cap=4) if urgent else hours(rng, 6, 1.0, cap=24 * 6)
    if not story.act(story.last_at + delay, "sign", lead.handler, "in_progress", sign):
        return

    signed_at = story.last_at
    for i, other in enumerate(assisting, start=1):  # the assisting opinion, before the reply

        def assist(
            at: dt.datetime, payload: dict[str, Any], other: Dept = other, i: int = i
        ) -> None:
            opinion = rng.choice(text.REPLIES)
            payload.update(opinion=opinion, department=other.id, department_name=other.name)
            story.assignments[i].update(replied_at=at, reply_text=opinion)
            f["assist_pending"] = [d for d in f["assist_pending"] if d != other.id]

        delay = hours(rng, 24, 0.8, cap=24 * 5)
        if not story.act(story.last_at + delay, "assist", other.handler, None, assist):
            return
    if rng.random() < P_EXTENSION and not _extension(story):
        return
    window = f["due_reply_at"] - signed_at
    if window <= dt.timedelta(0):
        took = hours(rng, 24, 0.8)
    elif rng.random() < 0.07:  # a late reply
        took = window * (1 + rng.expovariate(3.0))
    else:
        took = window * rng.betavariate(2.2, 2.0)

    def reply(at: dt.datetime, payload: dict[str, Any]) -> None:
        result = rng.choices(("resolved", "partly_resolved", "explained"), weights=(60, 15, 25))[0]
        explanation = rng.choice(text.REPLIES)
        payload.update(explanation=explanation, result=result)
        f.update(reply_result=result, reply_text=explanation)
        story.assignments[0]["replied_at"] = at
        f.update(
            replied_at=at,
            replied_on_time=at <= f["due_reply_at"],
            reply_minutes=working_minutes(f["lead_since"], at, story.deadlines.calendar),
        )
        story.stop()

    at = max(signed_at + took, story.last_at + dt.timedelta(minutes=30))  # after any opinion
    if not story.act(at, "reply", lead.handler, "replied", reply):
        return

    def accept(at: dt.datetime, payload: dict[str, Any]) -> None:
        story.start("callback", at, payload, "due_callback_at")

    at = story.last_at + hours(rng, 5, 0.9, cap=24 * 7)
    if story.act(at, "accept_reply", story.lead(), "awaiting_callback", accept):
        _callback(story, hours(rng, 12, 0.8, cap=24 * 10))


def _merge(story: Story, master: Result) -> bool:
    """A duplicate of the caller's previous appeal, folded into it (only before dispatch, and
    only while the master is still open). False: not mergeable, handle it as a new appeal."""
    if story.state not in ("submitted", "registered"):
        return False
    at = story.last_at + hours(story.rng, 0.3, 0.6, cap=6)
    if at >= story.world.now:
        story.ended = True  # still waiting at the seeding moment
        return True
    master_state = ""
    for event in master.events:
        if event.at > at:
            break
        master_state = event.to_state
    if not master_state or master_state in FINAL:
        return False
    f = story.f

    def merge(at: dt.datetime, payload: dict[str, Any]) -> None:
        f["merged_into_id"] = master.ticket["id"]
        payload.update(into=master.ticket["id"], into_number=master.ticket["number"])

    story.act(at, "merge", story.operator(), "merged", merge)
    if story.state == "merged":
        master.events.append(
            Ev(
                at,
                "merged_in",
                story.events[-1].actor,
                master_state,
                master_state,
                {"ticket": f["id"], "number": f["number"]},
            )
        )
        master.events.sort(key=lambda e: e.at)
    return True


def _tail(story: Story) -> None:
    """What open tickets carry at the seeding moment: a pending request or a suspension, and
    the sweep's reminders (inside the warning window) and escalations (overdue)."""
    rng, f, now = story.rng, story.f, story.world.now
    if story.state in FINAL or story.state == "":
        return
    last = story.last_at
    u = rng.random()
    handler = story.lead_dept.handler if story.lead_dept is not None else SYSTEM
    if story.state == "in_progress" and u < 0.10:
        at = last + (now - last) * rng.uniform(0.2, 0.9)
        if u < 0.04:

            def suspend(at: dt.datetime, payload: dict[str, Any]) -> None:
                payload["reason"] = rng.choice(text.SUSPEND_REASONS)
                f["suspended_at"] = at

            story._apply(at, "suspend", handler, "suspended", suspend)
            return
        _request(story, at, handler, "extension" if u < 0.08 else "return")
    elif story.state == "dispatched" and u < 0.04:
        _request(story, last + (now - last) * rng.uniform(0.2, 0.9), handler, "return")
    if story.state not in SUPERVISED or not f["milestone"]:
        return
    warn_at, due_at, milestone = f["warn_at"], f["due_at"], f["milestone"]
    marks = []
    if warn_at < now and warn_at < due_at:
        marks.append((warn_at + dt.timedelta(seconds=rng.uniform(5, 60)), "remind"))
    if due_at < now:
        marks.append((due_at + dt.timedelta(seconds=rng.uniform(5, 60)), "escalate"))
    label = {
        "register": "受理",
        "dispatch": "派单",
        "sign": "签收",
        "reply": "答复",
        "callback": "回访",
    }[milestone]
    for at, action in marks:
        if at >= now:
            continue
        at = max(at, story.last_at + dt.timedelta(seconds=1))
        note = (
            f"系统自动督办：已超过{label}时限"
            if action == "escalate"
            else f"系统自动催办：{label}时限将至"
        )

        def oversee(
            at: dt.datetime, payload: dict[str, Any], action: str = action, note: str = note
        ) -> None:
            payload.update(note=note, milestone=milestone)
            f["escalated_for" if action == "escalate" else "reminded_for"] = milestone

        story._apply(at, action, SYSTEM, None, oversee)


def _request(story: Story, at: dt.datetime, handler: Person, kind: str) -> None:
    rng, f = story.rng, story.f
    decision: dict[str, Any] = {
        "ticket_id": f["id"],
        "kind": kind,
        "legal_basis": "",
        "days": None,
        "reply_result": "",
        "reply_text": "",
        "attachment_ids": [],
        "requested_by_id": handler.id,
        "requested_at": at,
        "approved": None,
        "decided_by_id": None,
        "decided_at": None,
        "decision_note": "",
    }

    def request(at: dt.datetime, payload: dict[str, Any]) -> None:
        if kind == "extension":
            days = rng.choice((3, 5, 5, 10, 15))
            reason = rng.choice(text.EXTENSION_REASONS)
            payload.update(days=days, reason=reason)
            decision.update(days=days, reason=reason)
        else:
            reason, basis = rng.choice(text.RETURN_REASONS)
            payload.update(reason=reason, legal_basis=basis)
            decision.update(reason=reason, legal_basis=basis)
        f["pending_request"] = kind
        story.decisions.append(decision)

    story._apply(at, f"request_{kind}", handler, None, request)


def live(
    world: World,
    deadlines: Deadlines,
    rng: random.Random,
    *,
    ticket_id: int,
    number: str,
    created_at: dt.datetime,
    enterprise: EntRef,
    duplicate_of: Result | None = None,
) -> Result:
    """Simulate one ticket from its creation to `world.now` (or its end)."""
    story = Story(
        world,
        deadlines,
        rng,
        ticket_id=ticket_id,
        number=number,
        created_at=created_at,
        enterprise=enterprise,
    )
    _describe(story)
    if duplicate_of is not None:  # the same caller about the same matter
        story.f.update(
            type=duplicate_of.ticket["type"],
            category_id=duplicate_of.ticket["category_id"],
            problem_category=duplicate_of.ticket["problem_category"],
            confidential=duplicate_of.ticket["confidential"],
        )
    if rng.random() < P_WITHDRAW:
        story.withdraw_at = created_at + hours(rng, 30, 1.2, cap=24 * 30)
    _create(story)
    online = story.f["channel"] in ONLINE
    if online and not _register(story):
        return _finish(story)
    if duplicate_of is not None and _merge(story, duplicate_of):
        return _finish(story)
    answer_p, refer_p = ROUTES.get(story.f["type"], (0.0, 0.0))
    u = rng.random()
    if u < answer_p:
        _answer(story, online)
    elif u < answer_p + refer_p and story.world.specialists:
        _refer(story)
    else:
        _dispatch(story)
    return _finish(story)


def _finish(story: Story) -> Result:
    """A withdrawal due before now that no later step triggered (the story ended first)."""
    due = story.withdraw_at
    if (
        due is not None
        and not story.ended
        and due < story.world.now
        and story.state in WITHDRAWABLE
    ):
        story._withdraw(max(due, story.last_at + dt.timedelta(seconds=1)))
    _tail(story)
    return story.result()
