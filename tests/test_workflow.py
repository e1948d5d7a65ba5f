"""The workflow core and the machines on it: every machine is complete (label, sources,
targets, roles, typed input, handler, page form, API body), the table agrees with its own
checks for every state x actor x action, the skeleton refuses what is not allowed without
writing anything, and a handler that leaves its declared targets is caught."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import pytest

import qitong.knowledge.services
import qitong.tickets.services.actions  # noqa: F401 — registers the ticket handlers
from qitong.accounts.actor import SYSTEM, actor_of
from qitong.core.errors import ValidationFailed
from qitong.knowledge.models import ArticleState
from qitong.knowledge.services import ArticleInput, article_act, article_create
from qitong.knowledge.transitions import ARTICLE
from qitong.ledger.models import Event
from qitong.tickets.forms.actions import action_form
from qitong.tickets.models import Ticket
from qitong.tickets.selectors import tickets_visible_to
from qitong.tickets.services import ticket_act
from qitong.tickets.states import TicketState as S
from qitong.tickets.transitions import TICKET
from qitong.workflow.inputs import Input, widgets
from qitong.workflow.machine import (
    MACHINES,
    STAY,
    Machine,
    TargetOutOfSet,
    anyone,
    transition,
)
from qitong.workflow.skeleton import Action, Subject, act
from tests.factories import World
from tests.matrix import client_for
from tests.test_transitions import RELATED, UNRELATED, FakeTicket
from tests.ticket_factories import act as ticket_step
from tests.ticket_factories import ticket_in_state
from tests.workflow_harness import check_refusals, check_table

CJK = re.compile(r"[\u4e00-\u9fff]")


# --- every machine is complete -------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(MACHINES))
def test_every_action_of_every_machine_has_all_its_parts(name: str) -> None:
    machine = MACHINES[name]
    assert machine.transitions, name
    assert machine.missing_handlers() == [], f"{name}: actions without a handler"
    for t in machine:
        where = f"{name}.{t.name}"
        assert CJK.search(t.label), f"{where}: a Chinese label"
        assert t.sources and t.targets and t.roles, where
        assert issubclass(t.input, Input), f"{where}: a typed input"
        fields = widgets(t.input)
        assert set(fields) == set(t.input.model_fields), f"{where}: every field has a kind"
        assert all(CJK.search(w.label) for w in fields.values()), f"{where}: field labels"


@pytest.mark.django_db
def test_every_ticket_action_has_its_page_form_built_from_its_schema(world: World) -> None:
    ticket = ticket_in_state(world, S.IN_PROGRESS)
    actor = actor_of(world.users["desk_lead"])
    for t in TICKET:
        form = action_form(t.name, ticket=ticket, actor=actor)
        schema = widgets(t.input)
        assert set(schema) <= set(form.fields), t.name
        for name, widget in schema.items():
            assert form.fields[name].label == widget.label, (t.name, name)
            required = form.fields[name].widget.attrs.get("aria-required") == "true"
            assert required == widget.required, (t.name, name)
        assert form.label == t.label and form.has_fields == bool(schema or form.has_files)


@pytest.mark.django_db
def test_openapi_documents_the_body_of_every_action(world: World) -> None:
    spec = client_for(world, "operator").get("/api/v1/openapi.json").json()
    for t in TICKET:
        operation = spec["paths"][f"/api/v1/tickets/{{ticket_id}}/actions/{t.name}"]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        fields = widgets(t.input)
        assert set(schema["properties"]) == {*fields, "version", "attachments"}, t.name
        assert set(schema.get("required", [])) == {n for n, w in fields.items() if w.required}
        for name, widget in fields.items():
            assert schema["properties"][name]["title"] == widget.label, (t.name, name)
        assert t.label in operation["summary"]
    # The generic fallback (unknown action names answer 409) is not documented.
    assert "/api/v1/tickets/{ticket_id}/actions/{action}" not in spec["paths"]
    for name in ("submit", "publish", "withdraw"):
        assert f"/api/v1/knowledge/articles/{{article_id}}/{name}" in spec["paths"]


# --- the table agrees with itself, without a database ---------------------------------------
def _ticket_doubles() -> list[FakeTicket]:
    return [
        FakeTicket(
            state,
            pending_request=pending,
            callback_dissatisfied=dissatisfied,
            specialist_accepted=accepted,
            enterprise_rating=rating,
        )
        for state, pending, dissatisfied, accepted, rating in itertools.product(
            list(S), ["", "return", "extension", "signoff"], [False, True], [False, True], [None, 4]
        )
    ]


def test_the_ticket_table_agrees_with_its_checks_for_every_case() -> None:
    actors = {**RELATED, **{f"unrelated_{k}": v for k, v in UNRELATED.items()}}
    cases = check_table(TICKET, _ticket_doubles(), actors)
    assert cases == len(_ticket_doubles()) * len(actors) * len(TICKET.names)


@dataclass
class FakeArticle:
    state: str
    department_id: int = 3


def test_the_article_table_agrees_with_its_checks_for_every_case() -> None:
    actors = {**RELATED, **{f"unrelated_{k}": v for k, v in UNRELATED.items()}, "system": SYSTEM}
    check_table(ARTICLE, [FakeArticle(s) for s in ArticleState], actors)
    leader, handler = RELATED["dept_leader"], RELATED["handler"]
    assert ARTICLE.allowed(FakeArticle(ArticleState.DRAFT), handler) == ["update", "submit"]
    assert ARTICLE.allowed(FakeArticle(ArticleState.IN_REVIEW), leader) == ["publish"]
    assert ARTICLE.allowed(FakeArticle(ArticleState.PUBLISHED), leader) == [
        "update",
        "publish",
        "withdraw",
    ]
    assert ARTICLE.allowed(FakeArticle(ArticleState.PUBLISHED, 99), leader) == []
    assert ARTICLE.allowed(FakeArticle(ArticleState.PUBLISHED), RELATED["operator"]) == []


# --- the skeleton refuses without writing, on a database -------------------------------------
def _people(world: World) -> dict[str, tuple[Any, Any]]:
    people: dict[str, tuple[Any, Any]] = {
        role: (actor_of(user), user) for role, user in world.users.items()
    }
    people["system"] = (SYSTEM, None)
    return people


def _ticket_act(*, pk: int, action: str, user: Any) -> Any:
    return ticket_act(ticket_id=pk, action=action, user=user, data={})


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(S))
def test_every_ticket_action_not_allowed_now_is_refused_and_writes_nothing(
    world: World, state: str
) -> None:
    ticket = ticket_in_state(world, state)
    refused = check_refusals(TICKET, ticket, _people(world), _ticket_act)
    assert refused > len(TICKET.names)  # most of the table, for most roles


def _article_act(*, pk: int, action: str, user: Any) -> Any:
    return article_act(pk=pk, action=action, user=user, data={"reason": "到期"})


@pytest.mark.django_db
def test_every_article_action_not_allowed_now_is_refused_and_writes_nothing(
    world: World,
) -> None:
    leader = world.users["dept_leader"]
    data = ArticleInput(
        title="个体工商户简易注销",
        body="<p>符合条件的可以简易注销。</p>",
        kind="qa",
        effective_from="2026-01-01",
    )
    article = article_create(data=data, user=world.users["handler"])
    for step in (None, "submit", "publish", "withdraw"):
        if step:
            article = article_act(pk=article.pk, action=step, user=leader, data={"reason": "到期"})
        check_refusals(ARTICLE, article, _people(world), _article_act)


# --- inputs: every bad field at once --------------------------------------------------------
@pytest.mark.django_db
def test_every_bad_field_is_named_at_once_and_nothing_changes(world: World) -> None:
    ticket = ticket_in_state(world, S.IN_PROGRESS)
    with pytest.raises(ValidationFailed) as bad:
        ticket_act(
            ticket_id=ticket.pk,
            action="request_extension",
            user=world.users["handler"],
            data={"days": 99, "reason": " "},
        )
    assert bad.value.fields == {
        "days": "延期工作日数应在 1 到 30 之间",
        "reason": "请填写延期理由",
    }
    response = client_for(world, "handler").post(
        f"/api/v1/tickets/{ticket.pk}/actions/reply",
        {"result": "maybe", "explanation": "", "version": ticket.version},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"result", "explanation"}
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


# --- a handler that leaves its targets is a programming error --------------------------------
@pytest.mark.django_db
def test_a_handler_leading_outside_its_declared_targets_is_caught_and_rolled_back(
    world: World,
) -> None:
    probe: Machine[Any] = Machine(
        name="tests.probe",
        state_labels=dict(S.choices),
        transitions=[transition("poke", "试探", {S.REGISTERED}, STAY, {"operator": anyone})],
    )
    try:

        @probe.handles("poke")
        def _poke(ctx: Action[Ticket]) -> None:
            ctx.set(title="被改动的标题")
            ctx.go(S.CLOSED)  # not among the declared targets

        spec: Subject[Ticket] = Subject(machine=probe, scope=tickets_visible_to)
        ticket = ticket_in_state(world, S.REGISTERED)
        events = Event.objects.count()
        user = world.users["operator"]
        with pytest.raises(TargetOutOfSet):
            act(spec, pk=ticket.pk, action="poke", actor=actor_of(user), user=user)
        ticket.refresh_from_db()
        assert ticket.state == S.REGISTERED and ticket.title != "被改动的标题"
        assert Event.objects.count() == events
    finally:
        del MACHINES["tests.probe"]


def test_the_ticket_handlers_that_choose_stay_within_their_targets() -> None:
    """The table says where each choosing action may lead (the skeleton enforces it)."""
    assert TICKET["callback"].targets == (S.CLOSED, STAY)
    assert TICKET["reply"].targets == (S.REPLIED, STAY)
    assert TICKET["decline_offer"].targets == (STAY, S.REGISTERED)
    assert TICKET["reroute"].targets == (STAY, S.REGISTERED)


# --- a reply reaches the enterprise only once the desk accepted it -------------------------
@pytest.mark.django_db
def test_the_enterprise_never_reads_a_reply_the_desk_has_not_accepted(world: World) -> None:
    ticket = ticket_in_state(world, S.REPLIED)
    enterprise = client_for(world, "enterprise")
    shown = enterprise.get(f"/api/v1/tickets/{ticket.pk}").json()
    assert shown["reply_text"] == "" and shown["reply_result"] == ""
    listed = enterprise.get("/api/v1/tickets").json()["items"]
    assert all(item["reply_text"] == "" for item in listed if item["id"] == ticket.pk)
    page = enterprise.get(f"/my/tickets/{ticket.pk}/").content.decode()
    assert "已核实处理" not in page
    staff = client_for(world, "desk_lead").get(f"/api/v1/tickets/{ticket.pk}").json()
    assert staff["reply_text"] == "已核实处理"

    ticket_step(world, ticket, "accept_reply", "desk_lead")
    shown = enterprise.get(f"/api/v1/tickets/{ticket.pk}").json()
    assert shown["reply_text"] == "已核实处理" and shown["reply_result"] == "resolved"
    assert "已核实处理" in enterprise.get(f"/my/tickets/{ticket.pk}/").content.decode()
