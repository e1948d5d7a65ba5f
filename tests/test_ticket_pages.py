"""The ticket pages: who may open them, the desk's intake, every action form, conflicts,
what an enterprise and a department may read, the queues and what they cost in queries."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qitong.accounts.actor import actor_of
from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.enterprises.models import Enterprise
from qitong.ledger.models import Event
from qitong.ledger.services import events_for
from qitong.tickets.models import Attachment, Ticket
from qitong.tickets.services import TicketInput, ticket_act, ticket_create
from qitong.tickets.states import TicketState as S
from qitong.tickets.transitions import allowed_actions
from tests import factories
from tests.factories import World
from tests.matrix import Case, check_case, client_for, matrix, matrix_ids
from tests.ticket_factories import act, file_by_phone, submit_online, ticket_in_state

HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCOPED = frozenset(
    {"enterprise", "operator", "desk_lead", "handler", "dept_leader", "specialist", "supervisor"}
)


def html(response: Any) -> str:
    return str(response.content.decode())


def ledger_count(ticket: Ticket) -> int:
    return events_for("tickets.ticket", ticket.pk).count()


# --- fixtures: one ticket per situation, plus the same outside the Hohhot scope ---------------


def _baotou(world: World, state: str) -> Ticket:
    """A ticket of Baotou: outside every Hohhot-scoped user (the enterprise's is Hohhot's)."""
    operator = factories.user("bt_operator", Role.OPERATOR, desk=world.baotou_desk)
    ticket, _ = ticket_create(
        data=TicketInput(
            type="consultation",
            category="tax.policy",
            urgency="normal",
            channel="phone",
            content="包头企业咨询研发费用加计扣除。",
            credit_code=world.baotou_ent.credit_code,
            contact_phone="13800000002",
        ),
        user=operator,
    )
    if state == S.DISPATCHED:
        ticket = ticket_act(
            ticket_id=ticket.pk,
            action="dispatch",
            user=operator,
            data={"department": world.baotou_dept.pk},
        )
    return ticket


BUILDERS: dict[str, Callable[[World], Ticket]] = {
    "submitted": lambda w: ticket_in_state(w, S.SUBMITTED),
    "dispatched": lambda w: ticket_in_state(w, S.DISPATCHED),
    "with_specialist": lambda w: ticket_in_state(w, S.WITH_SPECIALIST),
    "baotou": lambda w: _baotou(w, S.REGISTERED),
    "baotou_dispatched": lambda w: _baotou(w, S.DISPATCHED),
}


def T(world: World, key: str) -> Ticket:
    """The named ticket of this test's world, made on first use (kept on the world object, so
    a case's path and body point at the same ticket)."""
    made: dict[str, Ticket] = world.__dict__.setdefault("_tickets", {})
    if key not in made:
        made[key] = BUILDERS[key](world)
    return made[key]


STAFF_200 = {"operator": 200, "desk_lead": 200, "supervisor": 200, "admin": 200, "auditor": 200}
DESK_200 = {"operator": 200, "desk_lead": 200}

PAGE_CASES = [
    Case(
        id="ticket-detail-dispatched",
        method="GET",
        path=lambda w: f"/tickets/{T(w, 'dispatched').pk}/",
        expect={**STAFF_200, "handler": 200, "dept_leader": 200},  # specialist: not its ticket
        out_of_scope=lambda w: f"/tickets/{T(w, 'baotou_dispatched').pk}/",
        scoped_roles=SCOPED,
    ),
    Case(
        id="ticket-detail-with-specialist",
        method="GET",
        path=lambda w: f"/tickets/{T(w, 'with_specialist').pk}/",
        expect={**STAFF_200, "specialist": 200},  # departments: never dispatched to them
        out_of_scope=lambda w: f"/tickets/{T(w, 'baotou').pk}/",
        scoped_roles=SCOPED,
    ),
    Case(id="intake-page", method="GET", path=lambda w: "/tickets/new/", expect=DESK_200),
    Case(
        id="enterprise-new-page",
        method="GET",
        path=lambda w: "/tickets/enterprises/new/",
        expect=DESK_200,
    ),
    Case(
        id="queue-registered",
        method="GET",
        path=lambda w: "/tickets/queues/registered/",
        expect=DESK_200,
    ),
    Case(
        id="queue-requests-lead-only",
        method="GET",
        path=lambda w: "/tickets/queues/requests/",
        expect={"desk_lead": 200},
    ),
    Case(id="queue-unknown", method="GET", path=lambda w: "/tickets/queues/nonsense/", expect={}),
    Case(
        id="portal-new", method="GET", path=lambda w: "/my/tickets/new/", expect={"enterprise": 200}
    ),
    Case(
        id="portal-detail",
        method="GET",
        path=lambda w: f"/my/tickets/{T(w, 'submitted').pk}/",
        expect={"enterprise": 200},
        out_of_scope=lambda w: f"/my/tickets/{T(w, 'baotou').pk}/",
        scoped_roles=SCOPED,
    ),
]
PAGE_PARAMS = matrix(PAGE_CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "role"), PAGE_PARAMS, ids=matrix_ids(PAGE_PARAMS))
def test_page_matrix(world: World, case: Case, role: str) -> None:
    check_case(world, case, role)


# Posting forms: form-encoded as a page posts them (tests.matrix posts JSON, for the API).
POST_CASES = [
    Case(
        id="act-register",
        method="POST",
        path=lambda w: f"/tickets/{T(w, 'submitted').pk}/act/register/",
        body=lambda w: {"register-version": T(w, "submitted").version},
        # Visible but not theirs to take: 403; not visible at all: 404.
        expect={**DESK_200, "supervisor": 403, "admin": 403, "auditor": 403},
        out_of_scope=lambda w: f"/tickets/{T(w, 'baotou').pk}/act/register/",
        scoped_roles=SCOPED,
    ),
    Case(
        id="act-unknown-action",
        method="POST",
        path=lambda w: f"/tickets/{T(w, 'submitted').pk}/act/delete/",
        body=lambda w: {},
        expect={},
    ),
    Case(
        id="portal-withdraw",
        method="POST",
        path=lambda w: f"/my/tickets/{T(w, 'submitted').pk}/act/withdraw/",
        body=lambda w: {"withdraw-version": T(w, "submitted").version, "withdraw-confirm": "on"},
        expect={"enterprise": 200},
        out_of_scope=lambda w: f"/my/tickets/{T(w, 'baotou').pk}/act/withdraw/",
        scoped_roles=SCOPED,
    ),
    Case(
        id="portal-staff-action-refused",
        method="POST",
        path=lambda w: f"/my/tickets/{T(w, 'submitted').pk}/act/register/",
        body=lambda w: {"register-version": T(w, "submitted").version},
        expect={},
    ),
    Case(
        id="intake-post",
        method="POST",
        path=lambda w: "/tickets/new/",
        body=lambda w: intake_data(w),
        expect=DESK_200,
    ),
]
POST_PARAMS = matrix(POST_CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "role"), POST_PARAMS, ids=matrix_ids(POST_PARAMS))
def test_form_post_matrix(world: World, case: Case, role: str) -> None:
    client = client_for(world, role)
    body = case.body(world) if case.body else {}
    response = client.post(case.path(world), body, headers=HX)
    # An htmx post without a session: 401 and the login event (HtmxLoginMiddleware), where a
    # plain post is redirected to the login page.
    expected = 401 if role == "anonymous" else case.expected(role)
    assert response.status_code == expected, (case.id, role, response.status_code)
    if role == "anonymous":
        assert "qitong:login-expired" in response["HX-Trigger"]
    if case.out_of_scope and role in case.scoped_roles:
        outside = client.post(case.out_of_scope(world), body, headers=HX)
        assert outside.status_code == 404, (case.id, role, "out of scope")


# --- the desk's intake -----------------------------------------------------------------------


def intake_data(world: World, **overrides: str) -> dict[str, str]:
    data = {
        "credit_code": world.ent.credit_code,
        "type": "consultation",
        "category": "tax.policy",
        "urgency": "normal",
        "channel": "phone",
        "contact_name": "张三",
        "contact_phone": "138 0000 0001",
        "title": "",
        "content": "小微企业增值税减免政策如何申请？",
        "idempotency_key": "key-1",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_desk_intake_files_a_registered_ticket_and_offers_a_fresh_form(world: World) -> None:
    client = client_for(world, "operator")
    page = html(client.get(reverse("dashboards:desk")))
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page)
    assert key is not None  # the key is rendered with the form
    response = client.post("/tickets/new/", intake_data(world, idempotency_key=key[1]), headers=HX)
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.state, ticket.channel, ticket.desk, ticket.created_by) == (
        S.REGISTERED,
        "phone",
        world.desk,
        world.users["operator"],
    )
    assert ticket.contact_phone == "13800000001" and ticket.enterprise == world.ent
    assert ticket.idempotency_key == key[1]
    body = html(response)
    assert 'id="intake" aria-labelledby="intake-title" hx-swap-oob="true"' in body
    assert f'href="/tickets/{ticket.pk}/">{ticket.number}</a>' in body
    fresh = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', body)
    assert fresh is not None and fresh[1] != key[1]  # the next appeal gets its own key
    assert response.headers["HX-Trigger"] == "ticket-filed"  # the queues reload
    queues = client.get(reverse("dashboards:desk"), headers={**HX, "HX-Target": "desk-queues"})
    assert ticket.number in html(queues) and 'class="site-header"' not in html(queues)


@pytest.mark.django_db
def test_double_submit_with_the_same_key_files_one_ticket(world: World) -> None:
    client = client_for(world, "operator")
    first = client.post("/tickets/new/", intake_data(world), headers=HX)
    second = client.post("/tickets/new/", intake_data(world), headers=HX)
    without_js = client.post("/tickets/new/", intake_data(world))
    ticket = Ticket.objects.get()
    assert ledger_count(ticket) == 1
    for response in (first, second):
        assert ticket.number in html(response)
    assert without_js.status_code == 302 and without_js.url == f"/tickets/{ticket.pk}/"
    client.post("/tickets/new/", intake_data(world, idempotency_key="key-2"), headers=HX)
    assert Ticket.objects.count() == 2  # a new key is a new appeal


@pytest.mark.django_db
def test_invalid_intake_shows_field_errors_and_creates_nothing(world: World) -> None:
    client = client_for(world, "operator")
    events = Event.objects.count()
    bad = intake_data(world, category="", content="  ", contact_phone="12345", urgency="")
    response = client.post("/tickets/new/", bad, headers=HX)
    assert response.status_code == 400
    body = html(response)
    errors = dict(re.findall(r'id="err-id_(\w+)" hx-swap-oob="true">(.*?)</div>', body))
    assert "请选择诉求分类" in errors["category"]
    assert "请选择紧急程度" in errors["urgency"]
    assert "请填写诉求内容" in errors["content"]
    assert "手机号码应为 1 开头的 11 位数字（当前 5 位）" in errors["contact_phone"]
    assert errors["type"] == "" and errors["credit_code"] == ""  # fine fields are cleared
    assert 'class="site-header"' not in body  # only the error slots, swapped out of band
    assert Ticket.objects.count() == 0 and Event.objects.count() == events
    # Without JavaScript the whole page comes back with the errors and what was typed.
    page = client.post("/tickets/new/", bad)
    assert page.status_code == 400
    assert "<h1>登记诉求</h1>" in html(page) and "请填写诉求内容" in html(page)
    assert world.ent.credit_code in html(page)


@pytest.mark.django_db
def test_intake_refuses_an_enterprise_outside_the_jurisdiction(world: World) -> None:
    client = client_for(world, "operator")
    response = client.post(
        "/tickets/new/", intake_data(world, credit_code=world.baotou_ent.credit_code), headers=HX
    )
    assert response.status_code == 400
    assert "未找到该企业（或不在本专席辖区）" in html(response)
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "confidential"),
    [
        ({}, True),  # 反映问题 is confidential by default
        ({"confidential_set": "1"}, False),  # the operator unticked it
        ({"confidential": "on", "confidential_set": "1"}, True),
    ],
)
def test_problem_report_confidentiality(
    world: World, fields: dict[str, str], confidential: bool
) -> None:
    client = client_for(world, "operator")
    data = intake_data(
        world, type="problem_report", problem_category="arrears", category="payments.government"
    )
    client.post("/tickets/new/", {**data, **fields}, headers=HX)
    ticket = Ticket.objects.get()
    assert (ticket.problem_category, ticket.confidential) == ("arrears", confidential)
    complaint = intake_data(world, idempotency_key="key-9", type="complaint")
    client.post("/tickets/new/", complaint, headers=HX)
    assert Ticket.objects.get(idempotency_key="key-9").confidential is False


def new_enterprise(world: World, **overrides: str) -> dict[str, str]:
    data = {
        "ent-credit_code": factories.credit_code(region="150102"),
        "ent-name": "呼和浩特草原乳业有限公司",
        "ent-region": "150102",
        "ent-industry": "C",
        "ent-size": "medium",
        "ent-contact_name": "王五",
        "ent-contact_phone": "13912345678",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_register_a_new_enterprise_inline_and_select_it(world: World) -> None:
    client = client_for(world, "operator")
    form = client.get("/tickets/enterprises/new/", headers={**HX, "HX-Target": "new-enterprise"})
    assert 'class="site-header"' not in html(form)
    assert "新城区" in html(form) and "昆都仑区" not in html(form)  # only the jurisdiction
    data = new_enterprise(world)
    response = client.post("/tickets/enterprises/new/", data, headers=HX)
    assert response.status_code == 200
    enterprise = Enterprise.objects.get(credit_code=data["ent-credit_code"])
    assert enterprise.contacts.get().phone == "13912345678"
    assert f'data-credit-code="{enterprise.credit_code}"' in html(response)
    assert "data-enterprise-created" in html(response)
    # The new enterprise is the caller: the intake accepts its credit code.
    client.post("/tickets/new/", intake_data(world, credit_code=enterprise.credit_code), headers=HX)
    assert Ticket.objects.get().enterprise == enterprise


@pytest.mark.django_db
def test_inline_enterprise_errors_name_the_field(world: World) -> None:
    client = client_for(world, "operator")
    outside = client.post(
        "/tickets/enterprises/new/", new_enterprise(world, **{"ent-region": "150203"}), headers=HX
    )
    assert outside.status_code == 400
    assert "请选择本专席辖区内的旗县市区" in html(outside)
    duplicate = client.post(
        "/tickets/enterprises/new/",
        new_enterprise(world, **{"ent-credit_code": world.ent.credit_code}),
        headers=HX,
    )
    assert duplicate.status_code == 400
    assert re.search(
        r'id="err-id_ent-credit_code"[^>]*>.*该统一社会信用代码已登记', html(duplicate)
    )
    bad_phone = client.post(
        "/tickets/enterprises/new/",
        new_enterprise(world, **{"ent-contact_phone": "123"}),
        headers=HX,
    )
    assert re.search(
        r'id="err-id_ent-contact_phone"[^>]*><p class="field__error">', html(bad_phone)
    )
    assert Enterprise.objects.count() == 2  # nothing was registered


# --- the detail page and every action form ----------------------------------------------------


def posted_actions(page: str, pk: int, prefix: str = "/tickets") -> set[str]:
    return set(re.findall(rf'action="{prefix}/{pk}/act/(\w+)/"', page))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "roles"),
    [
        (S.SUBMITTED, ["operator", "desk_lead", "supervisor", "auditor"]),
        (S.IN_PROGRESS, ["operator", "desk_lead", "handler", "dept_leader", "supervisor"]),
        (S.AWAITING_CALLBACK, ["operator", "desk_lead", "handler"]),
    ],
)
def test_the_action_panel_shows_exactly_the_allowed_actions(
    world: World, state: str, roles: list[str]
) -> None:
    ticket = ticket_in_state(world, state)
    for role in roles:
        page = html(client_for(world, role).get(f"/tickets/{ticket.pk}/"))
        allowed = set(allowed_actions(ticket, actor_of(world.users[role])))
        assert posted_actions(page, ticket.pk) == allowed, role
        for action in allowed:  # each form carries the version the page showed
            assert f'name="{action}-version" value="{ticket.version}"' in page
        if not allowed:
            assert "您当前没有可执行的操作" in page


@pytest.mark.django_db
def test_detail_shows_the_ticket_as_presented_to_the_reader(world: World) -> None:
    ticket = ticket_in_state(world, S.IN_PROGRESS)
    ticket = act(
        world, ticket, "request_return", "handler", reason="不属于本单位", legal_basis="职能规定"
    )
    page = html(client_for(world, "desk_lead").get(f"/tickets/{ticket.pk}/"))
    assert ticket.number in page and "投诉" in page and "涉企检查" in page
    assert 'data-state="in_progress"' in page and "badge--orange" in page  # STATE_COLOURS
    assert f"版本 {ticket.version}" in page
    assert "待班长审批：退单申请" in page and "职能规定" in page
    assert world.dept.name in page and world.desk.name in page
    assert "138****0001" in page and "13800000001" not in page  # the phone is masked
    assert "申请退单" in page and "不属于本单位" in page  # the ledger timeline with its note
    # a row per milestone, the running one marked with its deadline and time left
    assert re.search(
        r"答复 <span class=\"muted\">（当前）</span></th>\s*<td><span class=\"due", page
    )
    assert re.search(r"签收</th>\s*<td>\d{4}-\d\d-\d\d \d\d:\d\d</td>", page)


def other_department(world: World) -> Any:
    return factories.department("呼和浩特市税务局", world.hohhot)


# (case id, start state, steps before, role, action, form fields, expectation on the ticket)
ACTION_CASES: list[tuple[str, str, list[tuple[str, str, dict[str, Any]]], str, str, Any, Any]] = [
    ("register", S.SUBMITTED, [], "operator", "register", {}, {"state": S.REGISTERED}),
    (
        "reject",
        S.SUBMITTED,
        [],
        "operator",
        "reject",
        {"reason": "非企业诉求"},
        {"state": S.REJECTED},
    ),
    (
        "answer",
        S.REGISTERED,
        [],
        "operator",
        "answer",
        {"answer": "可在电子税务局申请"},
        {"state": S.AWAITING_CALLBACK, "first_contact_resolution": True},
    ),
    (
        "refer",
        S.REGISTERED,
        [],
        "operator",
        "refer",
        lambda w: {"specialist": w.specialist.pk},
        {"state": S.WITH_SPECIALIST},
    ),
    (
        "specialist_reply",
        S.WITH_SPECIALIST,
        [],
        "specialist",
        "specialist_reply",
        {"answer": "按季度申报即可享受"},
        {"state": S.AWAITING_CALLBACK},
    ),
    (
        "dispatch",
        S.REGISTERED,
        [],
        "operator",
        "dispatch",
        lambda w: {"department": w.dept.pk, "assisting": [other_department(w).pk]},
        {"state": S.DISPATCHED},
    ),
    ("sign", S.DISPATCHED, [], "handler", "sign", {}, {"state": S.IN_PROGRESS}),
    (
        "request_return",
        S.IN_PROGRESS,
        [],
        "handler",
        "request_return",
        {"reason": "不属本单位职责", "legal_basis": "三定方案"},
        {"pending_request": "return"},
    ),
    (
        "approve_return",
        S.IN_PROGRESS,
        [("request_return", "handler", {"reason": "不属本单位职责", "legal_basis": "三定方案"})],
        "desk_lead",
        "approve_return",
        {},
        {"state": S.REGISTERED, "lead_department": None},
    ),
    (
        "refuse_return",
        S.IN_PROGRESS,
        [("request_return", "handler", {"reason": "不属本单位职责", "legal_basis": "三定方案"})],
        "desk_lead",
        "refuse_return",
        {"note": "属于本单位职责"},
        {"state": S.IN_PROGRESS, "pending_request": ""},
    ),
    (
        "request_extension",
        S.IN_PROGRESS,
        [],
        "handler",
        "request_extension",
        {"days": "5", "reason": "需现场核查"},
        {"pending_request": "extension"},
    ),
    (
        "approve_extension",
        S.IN_PROGRESS,
        [("request_extension", "handler", {"days": 5, "reason": "需现场核查"})],
        "desk_lead",
        "approve_extension",
        {},
        {"extension_days": 5, "pending_request": ""},
    ),
    (
        "refuse_extension",
        S.IN_PROGRESS,
        [("request_extension", "handler", {"days": 5, "reason": "需现场核查"})],
        "desk_lead",
        "refuse_extension",
        {"note": "时限内可办结"},
        {"extension_days": 0, "pending_request": ""},
    ),
    (
        "suspend",
        S.IN_PROGRESS,
        [],
        "handler",
        "suspend",
        {"reason": "请补充营业执照"},
        {"state": S.SUSPENDED},
    ),
    ("resume", S.SUSPENDED, [], "handler", "resume", {}, {"state": S.IN_PROGRESS}),
    (
        "reply",
        S.IN_PROGRESS,
        [],
        "dept_leader",
        "reply",
        {"result": "partly_resolved", "explanation": "已部分解决"},
        {"state": S.REPLIED, "reply_result": "partly_resolved"},
    ),
    (
        "accept_reply",
        S.REPLIED,
        [],
        "desk_lead",
        "accept_reply",
        {"note": "同意"},
        {"state": S.AWAITING_CALLBACK},
    ),
    (
        "send_back",
        S.REPLIED,
        [],
        "desk_lead",
        "send_back",
        {"note": "答复未针对诉求"},
        {"state": S.IN_PROGRESS, "redo_count": 1},
    ),
    (
        "callback",
        S.AWAITING_CALLBACK,
        [],
        "operator",
        "callback",
        {"satisfaction": "5", "resolved": "yes", "note": "企业满意"},
        {"state": S.CLOSED, "satisfaction": 5, "resolved": True},
    ),
    (
        "callback-dissatisfied",
        S.AWAITING_CALLBACK,
        [],
        "operator",
        "callback",
        {"satisfaction": "1", "resolved": "no"},
        {"state": S.AWAITING_CALLBACK, "callback_dissatisfied": True, "resolved": False},
    ),
    (
        "redo",
        S.AWAITING_CALLBACK,
        [("callback", "operator", {"satisfaction": 2, "resolved": False})],
        "operator",
        "redo",
        {"note": "请重新核查"},
        {"state": S.IN_PROGRESS, "redo_count": 1},
    ),
    (
        "close",
        S.AWAITING_CALLBACK,
        [("callback", "operator", {"satisfaction": 2, "resolved": False})],
        "desk_lead",
        "close",
        {"reason": "诉求超出政策范围，已解释"},
        {"state": S.CLOSED},
    ),
    (
        "merge",
        S.SUBMITTED,
        [],
        "operator",
        "merge",
        lambda w: {"into": submit_online(w).number},
        {"state": S.MERGED},
    ),
    (
        "withdraw",
        S.REGISTERED,
        [],
        "operator",
        "withdraw",
        {"reason": "企业来电撤回"},
        {"state": S.WITHDRAWN},
    ),
    (
        "remind",
        S.IN_PROGRESS,
        [],
        "desk_lead",
        "remind",
        {"note": "请抓紧办理"},
        {"reminded_for": "reply"},
    ),
    (
        "escalate",
        S.IN_PROGRESS,
        [],
        "supervisor",
        "escalate",
        {"note": "督办"},
        {"escalated_for": "reply"},
    ),
    (
        "reassign",
        S.IN_PROGRESS,
        [],
        "desk_lead",
        "reassign",
        lambda w: {"department": other_department(w).pk, "reason": "职责调整"},
        {"state": S.DISPATCHED},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "steps", "role", "action", "fields", "expected"),
    [case[1:] for case in ACTION_CASES],
    ids=[case[0] for case in ACTION_CASES],
)
def test_each_action_form_posts_and_changes_the_ticket(
    world: World,
    start: str,
    steps: list[tuple[str, str, dict[str, Any]]],
    role: str,
    action: str,
    fields: Any,
    expected: dict[str, Any],
) -> None:
    ticket = ticket_in_state(world, start)
    for step, who, data in steps:
        ticket = act(world, ticket, step, who, **data)
    client = client_for(world, role)
    page = html(client.get(f"/tickets/{ticket.pk}/"))
    assert action in posted_actions(page, ticket.pk)  # the page offers it to this role
    values = fields(world) if callable(fields) else fields
    body = {f"{action}-{k}": v for k, v in values.items()}
    body[f"{action}-version"] = str(ticket.version)
    events = ledger_count(ticket)
    response = client.post(f"/tickets/{ticket.pk}/act/{action}/", body, headers=HX)
    assert response.status_code == 200, html(response)[:500]
    assert 'id="ticket-detail" class="ticket" hx-swap-oob="true"' in html(response)
    assert "data-flash" in html(response)
    ticket.refresh_from_db()
    for name, value in expected.items():
        assert getattr(ticket, name if name != "lead_department" else "lead_department_id") == value
    assert ledger_count(ticket) == events + 1
    assert events_for("tickets.ticket", ticket.pk).last().action == action
    assert f"版本 {ticket.version}" in html(response)  # the refreshed page carries the new one


@pytest.mark.django_db
def test_dispatch_records_assisting_departments_and_merge_takes_a_number(world: World) -> None:
    ticket = ticket_in_state(world, S.REGISTERED)
    other = other_department(world)
    client = client_for(world, "operator")
    client.post(
        f"/tickets/{ticket.pk}/act/dispatch/",
        {
            "dispatch-version": ticket.version,
            "dispatch-department": world.dept.pk,
            "dispatch-assisting": [other.pk],
        },
        headers=HX,
    )
    roles = dict(ticket.assignments.filter(active=True).values_list("department", "role"))
    assert roles == {world.dept.pk: "lead", other.pk: "assisting"}
    duplicate, master = submit_online(world), submit_online(world)
    client.post(
        f"/tickets/{duplicate.pk}/act/merge/",
        {"merge-version": duplicate.version, "merge-into": master.number.lower()},
        headers=HX,
    )
    duplicate.refresh_from_db()
    assert duplicate.merged_into == master


@pytest.mark.django_db
def test_invalid_action_fields_show_beside_the_fields_and_change_nothing(world: World) -> None:
    ticket = ticket_in_state(world, S.IN_PROGRESS)
    client = client_for(world, "handler")
    events = ledger_count(ticket)
    response = client.post(
        f"/tickets/{ticket.pk}/act/request_return/",
        {"request_return-version": ticket.version, "request_return-reason": "不属本单位"},
        headers=HX,
    )
    assert response.status_code == 400
    assert re.search(
        r'id="err-id_request_return-legal_basis" hx-swap-oob="true">'
        r'<p class="field__error">请填写退单依据',
        html(response),
    )
    ticket.refresh_from_db()
    assert ticket.pending_request == "" and ledger_count(ticket) == events
    extension = client.post(
        f"/tickets/{ticket.pk}/act/request_extension/",
        {
            "request_extension-version": ticket.version,
            "request_extension-days": "40",
            "request_extension-reason": "需现场核查",
        },
        headers=HX,
    )
    assert "延期工作日数应在 1 到 30 之间" in html(extension)
    callback_ticket = ticket_in_state(world, S.AWAITING_CALLBACK)
    callback = client_for(world, "operator").post(
        f"/tickets/{callback_ticket.pk}/act/callback/",
        {"callback-version": callback_ticket.version, "callback-satisfaction": "4"},
        headers=HX,
    )
    assert re.search(
        r'id="err-id_callback-resolved"[^>]*><p[^>]*>请选择问题是否解决', html(callback)
    )
    # Without JavaScript: the page again, that action's form open with its errors.
    page = client.post(
        f"/tickets/{ticket.pk}/act/request_return/",
        {"request_return-version": ticket.version, "request_return-reason": "不属本单位"},
    )
    assert page.status_code == 400
    assert re.search(r'<details class="action" data-action="request_return" open>', html(page))
    assert "请填写退单依据" in html(page)


@pytest.mark.django_db
def test_a_stale_version_is_a_conflict_with_a_refresh_link_and_changes_nothing(
    world: World,
) -> None:
    ticket = ticket_in_state(world, S.REGISTERED)
    seen = ticket.version
    act(world, ticket, "remind", "desk_lead", note="请尽快派单")  # someone acted meanwhile
    client = client_for(world, "operator")
    events = ledger_count(ticket)
    response = client.post(
        f"/tickets/{ticket.pk}/act/dispatch/",
        {"dispatch-version": seen, "dispatch-department": world.dept.pk},
        headers=HX,
    )
    assert response.status_code == 409
    body = html(response)
    assert 'id="dispatch-errors"' in body and "该工单刚被他人处理过，请刷新后查看最新状态" in body
    assert f'href="/tickets/{ticket.pk}/"' in body and "刷新" in body
    ticket.refresh_from_db()
    assert ticket.state == S.REGISTERED and ledger_count(ticket) == events
    # A state that moved on is a conflict too, worded by the state machine.
    act(world, ticket, "dispatch", "operator", department=world.dept.pk)
    ticket.refresh_from_db()
    late = client.post(
        f"/tickets/{ticket.pk}/act/answer/",
        {"answer-version": ticket.version, "answer-answer": "答复"},
        headers=HX,
    )
    assert late.status_code == 409 and "不能执行“即时解答”" in html(late)
    page = client.post(
        f"/tickets/{ticket.pk}/act/answer/", {"answer-version": seen, "answer-answer": "答复"}
    )
    assert page.status_code == 409 and "<h1>" in html(page) and "刷新，查看最新状态" in html(page)


# --- what the enterprise and the department may read ------------------------------------------


def _loop_with_internal_notes(world: World) -> Ticket:
    ticket = ticket_in_state(world, S.IN_PROGRESS)
    ticket = act(world, ticket, "request_extension", "handler", days=2, reason="内部：需调档案")
    ticket = act(world, ticket, "approve_extension", "desk_lead", note="内部：同意两天")
    ticket = act(world, ticket, "reply", "handler", result="resolved", explanation="已规范检查")
    ticket = act(world, ticket, "accept_reply", "desk_lead", note="内部：答复可以")
    return act(
        world, ticket, "callback", "operator", satisfaction=4, resolved=True, note="内部：满意"
    )


@pytest.mark.django_db
def test_the_enterprise_sees_only_public_timeline_entries(world: World) -> None:
    ticket = _loop_with_internal_notes(world)
    staff = html(client_for(world, "desk_lead").get(f"/tickets/{ticket.pk}/"))
    assert "内部：同意两天" in staff and "handler" in staff  # they exist, staff see them
    page = html(client_for(world, "enterprise").get(f"/my/tickets/{ticket.pk}/"))
    for public in (
        "诉求已提交",
        "专席已受理",
        "已转承办单位办理",
        "办理期限已延长",
        "延长 2 个工作日",
        "专席已回访",
        "已规范检查",
    ):
        assert public in page, public
    for internal in ("内部：", "handler", "desklead", "承办人", "班长", "话务员", "申请延期"):
        assert internal not in page, internal
    assert "已办结" in page
    assert posted_actions(page, ticket.pk, "/my/tickets") == {"rate"}


@pytest.mark.django_db
def test_the_department_never_sees_a_confidential_tickets_enterprise(world: World) -> None:
    enterprise_user = world.users["enterprise"]
    enterprise_user.display_name = "李四经理"
    enterprise_user.save()
    ticket = submit_online(
        world,
        type="problem_report",
        problem_category="broken_promise",
        category="policy.promise",
        content="招商承诺的补贴两年未兑现。",
    )
    ticket = act(world, ticket, "register", "operator")
    ticket = act(world, ticket, "dispatch", "operator", department=world.dept.pk)
    assert ticket.confidential
    secrets = (world.ent.name, world.ent.credit_code, "李四", "138****0001", "13800000001")
    desk = html(client_for(world, "operator").get(f"/tickets/{ticket.pk}/"))
    assert world.ent.name in desk and "李四经理" in desk  # the desk relays: it does see
    for role in ("handler", "dept_leader"):
        client = client_for(world, role)
        for url in (f"/tickets/{ticket.pk}/", "/department/", "/department/?tab=dispatched"):
            page = html(client.get(url))
            assert ticket.number in page, url
            for secret in secrets:
                assert secret not in page, (role, url, secret)
        assert "保密工单" in html(client.get("/department/"))


# --- the enterprise portal ---------------------------------------------------------------------


@pytest.mark.django_db
def test_enterprise_submits_online_with_an_attachment(world: World) -> None:
    client = client_for(world, "enterprise")
    form = html(client.get("/my/tickets/new/"))
    assert 'value="13800000001"' in form  # the contact phone is prefilled
    assert re.search(
        r'<input type="file" name="attachments"[^>]* multiple', form
    )  # several at once
    upload = SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf")
    second = SimpleUploadedFile("授权书.pdf", PDF, content_type="application/pdf")
    response = client.post(
        "/my/tickets/new/",
        {
            "type": "help",
            "category": "finance.loan",
            "content": "申请贷款贴息需要哪些材料？",
            "contact_phone": "13800000001",
            "idempotency_key": "e-1",
            "attachments": [upload, second],
        },
        headers=HX,
    )
    ticket = Ticket.objects.get()
    assert response.headers["HX-Redirect"] == f"/my/tickets/{ticket.pk}/"
    assert (ticket.state, ticket.channel, ticket.enterprise) == (S.SUBMITTED, "web", world.ent)
    names = set(Attachment.objects.filter(ticket=ticket).values_list("original_name", flat=True))
    assert names == {"营业执照.pdf", "授权书.pdf"}
    page = html(client.get(f"/my/tickets/{ticket.pk}/"))
    assert "诉求已提交，工单编号" in page and "营业执照.pdf" in page and "已提交，等待受理" in page


@pytest.mark.django_db
def test_enterprise_submission_errors_keep_the_form_and_create_nothing(world: World) -> None:
    client = client_for(world, "enterprise")
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    response = client.post(
        "/my/tickets/new/",
        {
            "type": "help",
            "category": "finance.loan",
            "content": "贴息",
            "contact_phone": "13800000001",
            "idempotency_key": "e-2",
            "attachments": [fake],
        },
        headers=HX,
    )
    assert response.status_code == 400
    assert re.search(
        r'id="err-id_attachments"[^>]*><p[^>]*>“合同.pdf”的内容与扩展名不符', html(response)
    )
    missing = client.post(
        "/my/tickets/new/", {"type": "help", "idempotency_key": "e-3"}, headers=HX
    )
    assert "请选择诉求分类" in html(missing) and "请填写诉求内容" in html(missing)
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


@pytest.mark.django_db
def test_enterprise_list_shows_its_own_appeals_in_plain_words(world: World) -> None:
    mine = ticket_in_state(world, S.SUSPENDED)
    other = _baotou(world, S.REGISTERED)
    page = html(client_for(world, "enterprise").get("/my/"))
    assert mine.number in page and other.number not in page
    assert "待您补充材料" in page
    assert "暂无诉求记录" not in page


@pytest.mark.django_db
def test_enterprise_supplies_material_when_suspended(world: World) -> None:
    ticket = ticket_in_state(world, S.SUSPENDED)
    client = client_for(world, "enterprise")
    page = html(client.get(f"/my/tickets/{ticket.pk}/"))
    assert posted_actions(page, ticket.pk, "/my/tickets") == {"withdraw", "supplement"}
    assert "等待您补充材料" in page and "请补充营业执照副本" in page
    upload = SimpleUploadedFile(
        "营业执照副本.jpg", b"\xff\xd8\xff\xe0JFIF", content_type="image/jpeg"
    )
    response = client.post(
        f"/my/tickets/{ticket.pk}/act/supplement/",
        {
            "supplement-version": ticket.version,
            "supplement-note": "已上传营业执照副本",
            "supplement-attachments": [upload],
        },
        headers=HX,
    )
    assert response.status_code == 200
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.original_name == "营业执照副本.jpg" and not attachment.internal
    assert events_for("tickets.ticket", ticket.pk).last().action == "supplement"
    assert "营业执照副本.jpg" in html(response)


@pytest.mark.django_db
def test_enterprise_withdraws_only_after_confirming(world: World) -> None:
    ticket = ticket_in_state(world, S.REGISTERED)
    client = client_for(world, "enterprise")
    unconfirmed = client.post(
        f"/my/tickets/{ticket.pk}/act/withdraw/",
        {"withdraw-version": ticket.version, "withdraw-reason": "已自行解决"},
        headers=HX,
    )
    assert unconfirmed.status_code == 400 and "请勾选确认后再撤回" in html(unconfirmed)
    ticket.refresh_from_db()
    assert ticket.state == S.REGISTERED
    client.post(
        f"/my/tickets/{ticket.pk}/act/withdraw/",
        {"withdraw-version": ticket.version, "withdraw-confirm": "on"},
        headers=HX,
    )
    ticket.refresh_from_db()
    assert ticket.state == S.WITHDRAWN


@pytest.mark.django_db
def test_enterprise_rates_a_closed_ticket_once(world: World) -> None:
    ticket = ticket_in_state(world, S.CLOSED)
    client = client_for(world, "enterprise")
    response = client.post(
        f"/my/tickets/{ticket.pk}/act/rate/",
        {"rate-version": ticket.version, "rate-rating": "3", "rate-comment": "还可以"},
        headers=HX,
    )
    assert response.status_code == 200 and "我的评价" in html(response)
    ticket.refresh_from_db()
    assert ticket.enterprise_rating == 3
    assert "rate" not in posted_actions(html(response), ticket.pk, "/my/tickets")
    again = client.post(
        f"/my/tickets/{ticket.pk}/act/rate/",
        {"rate-version": ticket.version, "rate-rating": "5"},
        headers=HX,
    )
    assert again.status_code == 409 and "该工单已评价过" in html(again)


# --- queues: membership, scope and cost --------------------------------------------------------


@pytest.mark.django_db
def test_desk_queues_hold_the_right_tickets_within_the_jurisdiction(world: World) -> None:
    submitted = ticket_in_state(world, S.SUBMITTED)
    registered = ticket_in_state(world, S.REGISTERED)
    replied = ticket_in_state(world, S.REPLIED)
    callback = ticket_in_state(world, S.AWAITING_CALLBACK)
    with clock.frozen(clock.now() - dt.timedelta(days=3)):
        overdue = file_by_phone(world)
    outside = _baotou(world, S.REGISTERED)
    lead = html(client_for(world, "desk_lead").get("/desk/"))

    def queue(key: str) -> str:
        return lead.split(f'data-queue="{key}"')[1].split("</section>")[0]

    assert submitted.number in queue("submitted") and registered.number not in queue("submitted")
    assert registered.number in queue("registered") and overdue.number in queue("registered")
    assert overdue.number in queue("warning") and "due--red" in queue("warning")
    assert registered.number not in queue("warning")
    assert callback.number in queue("callback")
    assert replied.number in queue("replied")
    assert outside.number not in lead
    operator = html(client_for(world, "operator").get("/desk/"))
    assert 'data-queue="replied"' not in operator and "暂无待审批申请" not in operator
    full = html(client_for(world, "operator").get("/tickets/queues/registered/"))
    assert full.index(overdue.number) < full.index(registered.number)  # soonest deadline first
    assert outside.number not in full


@pytest.mark.django_db
def test_department_tabs_count_and_sort_by_deadline(world: World) -> None:
    now = clock.now()
    with clock.frozen(now - dt.timedelta(days=30)):
        overdue = ticket_in_state(world, S.IN_PROGRESS)
    dispatched = ticket_in_state(world, S.DISPATCHED)
    suspended = ticket_in_state(world, S.SUSPENDED)
    returned = act(world, ticket_in_state(world, S.REPLIED), "send_back", "desk_lead", note="重办")
    client = client_for(world, "handler")
    page = html(client.get("/department/"))
    counts = dict(re.findall(r'\?tab=(\w+)"[^>]*>[^<]+<span class="count"[^>]*>(\d+)</span>', page))
    assert counts == {
        "dispatched": "1",
        "in_progress": "3",
        "due_soon": "0",
        "overdue": "1",
        "returned": "1",
        "assisting": "0",
    }
    tab = html(
        client.get(
            "/department/", {"tab": "in_progress"}, headers={**HX, "HX-Target": "dept-inbox"}
        )
    )
    assert 'class="site-header"' not in tab
    assert tab.index(overdue.number) < tab.index(returned.number)
    assert suspended.number in tab and dispatched.number not in tab
    assert returned.number in html(client.get("/department/", {"tab": "returned"}))
    assert overdue.number in html(client.get("/department/", {"tab": "overdue"}))
    with clock.frozen(dispatched.due_at - dt.timedelta(minutes=30)):  # inside the warning window
        soon = html(client.get("/department/", {"tab": "due_soon"}))
    assert dispatched.number in soon


def _measure(client: Client, url: str, django_assert_max_num_queries: Any) -> int:
    with django_assert_max_num_queries(40) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "url", "more"),
    [
        ("desk_lead", "/desk/", [S.SUBMITTED, S.REGISTERED, S.REPLIED, S.AWAITING_CALLBACK]),
        ("handler", "/department/?tab=in_progress", [S.IN_PROGRESS, S.SUSPENDED, S.DISPATCHED]),
        ("specialist", "/specialist/", [S.WITH_SPECIALIST]),
        ("enterprise", "/my/", [S.SUBMITTED, S.CLOSED]),
        ("operator", "/tickets/queues/registered/", [S.REGISTERED]),
    ],
)
def test_queues_cost_a_fixed_number_of_queries(
    world: World, role: str, url: str, more: list[str], django_assert_max_num_queries: Any
) -> None:
    for state in more:
        ticket_in_state(world, state)
    client = client_for(world, role)
    client.get(url)  # warm the session
    few = _measure(client, url, django_assert_max_num_queries)
    for _ in range(4):
        for state in more:
            ticket_in_state(world, state)
    with django_assert_max_num_queries(few):
        page = html(client.get(url))
    assert len(set(re.findall(r"QT\d{14}", page))) >= min(5 * len(more), 8)  # rows are there


@pytest.mark.django_db
def test_specialist_queue_lists_its_referred_tickets(world: World) -> None:
    mine = ticket_in_state(world, S.WITH_SPECIALIST)
    page = html(client_for(world, "specialist").get("/specialist/"))
    assert mine.number in page and "暂无分派给您的咨询" not in page
    detail = html(client_for(world, "specialist").get(f"/tickets/{mine.pk}/"))
    assert posted_actions(detail, mine.pk) == {"specialist_reply"}


@pytest.mark.django_db
def test_navigation_offers_the_new_pages(world: World) -> None:
    assert re.search(
        r'href="/tickets/new/" data-shortcut="2"', html(client_for(world, "operator").get("/desk/"))
    )
    assert re.search(
        r'href="/my/tickets/new/" data-shortcut="2"',
        html(client_for(world, "enterprise").get("/my/")),
    )
    lead = html(client_for(world, "desk_lead").get("/desk/"))
    assert re.search(r'href="/tickets/queues/requests/" data-shortcut="4"', lead)


def test_the_pairing_select_keeps_the_current_specialist(world: World) -> None:
    """An enterprise paired with a provincial specialist: the desk's select shows that pair
    as chosen (it used to default to 解除结对, so 设置 silently ended the pairing)."""
    from qitong.directory.models import Specialist
    from qitong.routing.services import pairing_set

    provincial = Specialist.objects.create(
        code="S00099",
        name="省级专员",
        department=world.dept,
        region=world.province,
        languages=["zh"],
    )
    pairing_set(
        user=world.users["operator"], enterprise_id=world.ent.pk, specialist_id=provincial.pk
    )
    ticket = ticket_in_state(world, S.REGISTERED)
    page = html(client_for(world, "operator").get(reverse("tickets:detail", args=[ticket.pk])))
    assert re.search(rf'<option value="{provincial.pk}" selected>省级专员', page)


def test_unpairing_needs_its_own_confirmed_step(world: World) -> None:
    """Saving without a choice never ends a pairing; only the confirmed 解除结对 does."""
    from qitong.routing.models import Pairing
    from qitong.routing.services import pairing_set

    pairing_set(
        user=world.users["operator"], enterprise_id=world.ent.pk, specialist_id=world.specialist.pk
    )
    ticket = ticket_in_state(world, S.REGISTERED)
    client = client_for(world, "operator")
    page = html(client.get(reverse("tickets:detail", args=[ticket.pk])))
    assert "确定解除该企业与 <strong>专员甲</strong> 的一对一结对吗" in page
    assert "（解除结对）" not in page and "税费" in page  # labels carry the domains
    response = client.post(f"/tickets/{ticket.pk}/pairing/", {"specialist": ""}, follow=True)
    assert "请先在列表中选择一位专员" in html(response)
    assert Pairing.objects.filter(enterprise=world.ent, active=True).exists()
    response = client.post(f"/tickets/{ticket.pk}/pairing/", {"unpair": "1"}, follow=True)
    assert "已解除一对一结对" in html(response)
    assert not Pairing.objects.filter(enterprise=world.ent, active=True).exists()


def test_the_enterprise_is_warned_of_a_likely_duplicate_before_filing(world: World) -> None:
    """The same appeal filed again (a new form, near-identical text) is not filed until the
    enterprise confirms; a resubmitted page (the same form key) is the same request."""
    client = client_for(world, "enterprise")
    body = {
        "type": "complaint",
        "category": "enforcement.inspection",
        "title": "执法检查过于频繁",
        "content": "执法检查过于频繁，影响正常生产经营。",
        "contact_phone": "13800000001",
        "idempotency_key": "form-1",
    }
    assert client.post("/my/tickets/new/", body).status_code == 302
    assert client.post("/my/tickets/new/", body).status_code == 302  # the same page again
    assert Ticket.objects.filter(enterprise=world.ent).count() == 1
    again = {**body, "idempotency_key": "form-2", "content": "执法检查过于频繁,影响正常生产经营!"}
    response = client.post("/my/tickets/new/", again, headers=HX)
    assert response.status_code == 409
    page = html(response)
    assert "您最近提交过内容相近的诉求" in page and 'name="confirm_duplicate"' in page
    assert Ticket.objects.filter(enterprise=world.ent).count() == 1
    confirmed = client.post("/my/tickets/new/", {**again, "confirm_duplicate": "1"})
    assert confirmed.status_code == 302 and Ticket.objects.filter(enterprise=world.ent).count() == 2
    different = {
        **body,
        "idempotency_key": "form-3",
        "title": "申请延期缴纳社保",
        "content": "受疫情影响申请延期缴纳社会保险费。",
    }
    assert client.post("/my/tickets/new/", different).status_code == 302


def test_staff_intake_takes_attachments_and_its_help_fits_the_page(world: World) -> None:
    client = client_for(world, "operator")
    page = html(client.get("/tickets/new/"))
    assert "在上方查询结果中选择" not in page and "在专席工作台按企业名称" in page
    assert 'type="file"' in page and "multiple" in page
    assert "在上方查询结果中选择" in html(client.get("/desk/"))  # the desk has the lookup
    response = client.post(
        "/tickets/new/",
        {
            "credit_code": world.ent.credit_code,
            "type": "consultation",
            "category": "tax.policy",
            "urgency": "normal",
            "channel": "phone",
            "contact_phone": "13800000001",
            "content": "咨询研发费用加计扣除。",
            "idempotency_key": "intake-files",
            "standalone": "1",
            "attachments": [SimpleUploadedFile("执照.pdf", PDF, content_type="application/pdf")],
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(idempotency_key="intake-files")
    [attachment] = ticket.attachments.all()
    assert attachment.original_name == "执照.pdf"
    detail = html(client.get(f"/tickets/{ticket.pk}/"))
    assert "（话务员）上传" in detail  # who uploaded which
