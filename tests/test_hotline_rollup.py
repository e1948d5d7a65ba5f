"""The hotline rollup (tickets.rollup) kept action by action equals a full recount of the
tickets, after random sequences of real actions by every role (STYLE 9: no state is set by
hand), across several days, with returns, re-dispatches, extensions, redos and callbacks."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest

from qitong.accounts.actor import actor_of
from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.core.errors import DomainError
from qitong.core.workdays import LOCAL_TZ
from qitong.tickets.facts import COUNTED
from qitong.tickets.models import HotlineCategoryDay, HotlineDay, Ticket
from qitong.tickets.rollup import rollup_rebuild, rollup_recount
from qitong.tickets.states import FINAL_STATES
from qitong.tickets.transitions import allowed_actions
from tests.factories import World, department, user
from tests.ticket_factories import act, file_by_phone, submit_online

# The loop's forward steps are likelier than its detours, as on a real desk.
FORWARD = {"register": 4, "dispatch": 4, "sign": 6, "reply": 6, "accept_reply": 4, "callback": 4}
ROLES = ("operator", "desk_lead", "handler", "dept_leader", "handler2", "enterprise")


def _data(action: str, world: World, rng: random.Random, others: list[int]) -> dict[str, Any]:
    satisfaction = rng.choice([1, 2, 3, 4, 5, 5])
    return {
        "reject": {"reason": "不属于受理范围"},
        "answer": {"answer": "已电话解答", "no_article": True},
        "dispatch": {"department": rng.choice(others)},
        "reassign": {"department": rng.choice(others)},
        "request_return": {"reason": "非本单位职责", "legal_basis": "三定方案"},
        "refuse_return": {"note": "属于职责范围"},
        "request_extension": {"days": rng.choice([3, 5]), "reason": "需现场核查"},
        "refuse_extension": {"note": "不同意"},
        "suspend": {"reason": "补充材料"},
        "assist": {"opinion": "同意"},
        "reply": {
            "result": rng.choice(["resolved", "partly_resolved", "explained"]),
            "explanation": "已处理",
        },
        "refuse_reply": {"note": "请补充"},
        "send_back": {"note": "答复不完整"},
        "callback": {"satisfaction": satisfaction, "resolved": rng.random() < 0.8},
        "redo": {"note": "企业不满意"},
        "close": {"reason": "已充分解释"},
        "withdraw": {"reason": "已解决"},
        "supplement": {"note": "补充说明"},
        "rate": {"rating": satisfaction},
        "remind": {"note": "请抓紧"},
        "escalate": {"note": "督办"},
    }.get(action, {})


def _kept() -> set[tuple[Any, ...]]:
    rows = HotlineDay.objects.values_list(
        "grain", "day", "city", "department", "desk", *COUNTED, "reply_minutes_sum"
    )
    return {r for r in rows if any(r[5:])}


def _recounted() -> set[tuple[Any, ...]]:
    mains, _ = rollup_recount()
    return {
        (
            r.grain,
            r.day,
            r.city,
            r.department,
            r.desk,
            *(getattr(r, c) for c in COUNTED),
            r.reply_minutes_sum,
        )
        for r in mains
    }


def _categories_kept() -> set[tuple[Any, ...]]:
    rows = HotlineCategoryDay.objects.values_list("grain", "day", "city", "category", "created")
    return {r for r in rows if r[4]}


def _categories_recounted() -> set[tuple[Any, ...]]:
    _, categories = rollup_recount()
    return {(r.grain, r.day, r.city, r.category, r.created) for r in categories}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_rollup_equals_a_full_recount_after_random_actions(world: World, seed: int) -> None:
    rng = random.Random(seed)
    second = department("呼和浩特市税务局", world.hohhot)
    world.users["handler2"] = user("handler2", Role.HANDLER, department=second)
    others = [world.dept.pk, second.pk]
    start = dt.datetime(2026, 3, 23, 9, 30, tzinfo=LOCAL_TZ)  # a Monday, a week before April
    tickets: list[int] = []
    taken = 0
    kinds: Counter[str] = Counter()
    refused: list[tuple[str, str]] = []
    for step in range(600):
        if taken >= 90:
            break
        at = start + dt.timedelta(hours=step * 4)  # several days, some past their deadlines
        with clock.frozen(at):
            if not tickets or rng.random() < 0.15:
                made = submit_online(world) if rng.random() < 0.5 else file_by_phone(world)
                tickets.append(made.pk)
                continue
            open_ones = list(
                Ticket.objects.filter(pk__in=tickets)
                .exclude(state__in=FINAL_STATES)
                .values_list("pk", flat=True)
            )
            if not open_ones:
                continue
            ticket = Ticket.objects.get(pk=rng.choice(open_ones))
            choices = [
                (role, action)
                for role in ROLES
                for action in allowed_actions(ticket, actor_of(world.users[role]))
                # promotion to a supervision problem is not hotline work (test_supervision)
                if action not in ("merge", "refer", "promote")
                # the enterprise withdrawing and oversight notes are rarer than the work
                and (action not in ("withdraw", "remind", "escalate") or rng.random() < 0.1)
            ]
            if not choices:
                continue
            weights = [FORWARD.get(action, 1) for _, action in choices]
            role, action = rng.choices(choices, weights=weights)[0]
            try:
                act(world, ticket, action, role, **_data(action, world, rng, others))
                taken += 1
                kinds[action] += 1
            except DomainError as exc:  # refused (a guard, a missing input): nothing written
                refused.append((action, str(exc)))
    assert len(kinds) >= 10, (kinds, refused)  # the walk really moved tickets
    kept, recounted = _kept(), _recounted()
    assert kept == recounted
    days = [r for r in kept if r[0] == "d"]
    assert sum(r[5] for r in days) == len(tickets)  # "created" counts every ticket once a day
    assert sum(r[5] for r in kept if r[0] == "m") == len(tickets)  # and once a month
    assert len({r[1].month for r in days}) > 1  # the walk crossed a month's end
    totals = {c: sum(r[5 + i] for r in days) for i, c in enumerate(COUNTED)}
    for fact in ("dispatched", "signed", "replied", "called_back", "rated", "returned"):
        assert totals[fact] > 0, (fact, kinds)  # each kind of fact was exercised
    assert _categories_kept() == _categories_recounted()
    # and a rebuild (the bulk loader's way) writes the same rows
    rollup_rebuild()
    assert _kept() == recounted
    assert _categories_kept() == _categories_recounted()


def test_facts_are_recorded_for_the_lead_department(world: World) -> None:
    """Sign and reply in time count as on time; an approved return moves the ticket off the
    department's figures and counts as returned."""
    ticket = file_by_phone(world, type="complaint", category="enforcement.inspection")
    act(world, ticket, "dispatch", "operator", department=world.dept.pk)
    act(world, ticket, "sign", "handler")
    ticket = act(world, ticket, "reply", "handler", result="resolved", explanation="已处理")
    assert ticket.signed_on_time is True and ticket.replied_on_time is True
    assert ticket.reply_minutes is not None
    row = HotlineDay.objects.get(department=world.dept.pk, grain="d")
    assert (row.dispatched, row.signed_on_time, row.replied_on_time) == (1, 1, 1)  # type: ignore[attr-defined]

    other = file_by_phone(world)
    act(world, other, "dispatch", "operator", department=world.dept.pk)
    act(world, other, "request_return", "handler", reason="非本单位职责", legal_basis="三定方案")
    other = act(world, other, "approve_return", "desk_lead")
    assert other.returned_count == 1 and other.lead_department_id is None
    row.refresh_from_db()
    assert row.dispatched == 1  # type: ignore[attr-defined]
    unassigned = HotlineDay.objects.get(department=0, grain="m")
    assert (unassigned.dispatched, unassigned.returned) == (1, 1)  # type: ignore[attr-defined]
