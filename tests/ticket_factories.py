"""Tickets reached through the real services, never by setting a random status (STYLE 9)."""

from __future__ import annotations

from qitong.tickets.models import Ticket
from qitong.tickets.services import TicketInput, ticket_act, ticket_create
from qitong.tickets.states import TicketState as S
from tests.factories import World


def submit_online(world: World, **overrides: object) -> Ticket:
    data = TicketInput(
        type="complaint",
        category="enforcement.inspection",
        urgency="normal",
        channel="web",
        content="执法检查过于频繁，影响正常生产经营。",
        contact_phone="13800000001",
        contact_name="李四",
    )
    for name, value in overrides.items():
        setattr(data, name, value)
    ticket, _ = ticket_create(data=data, user=world.users["enterprise"])
    return ticket


def file_by_phone(world: World, **overrides: object) -> Ticket:
    data = TicketInput(
        type="consultation",
        category="tax.policy",
        urgency="normal",
        channel="phone",
        content="小微企业增值税减免政策如何申请？",
        credit_code=world.ent.credit_code,
        contact_phone="13800000001",
    )
    for name, value in overrides.items():
        setattr(data, name, value)
    ticket, _ = ticket_create(data=data, user=world.users["operator"])
    return ticket


def act(world: World, ticket: Ticket, action: str, role: str, **data: object) -> Ticket:
    user = None if role == "system" else world.users[role]
    return ticket_act(ticket_id=ticket.pk, action=action, user=user, data=data)


def ticket_in_state(world: World, state: str) -> Ticket:
    """A ticket of the Hohhot world in `state`, reached by the real transitions."""
    ticket = submit_online(world)
    path: list[tuple[str, str, dict[str, object]]] = {
        S.SUBMITTED: [],
        S.REGISTERED: [("register", "operator", {})],
        S.REJECTED: [("reject", "operator", {"reason": "不属于受理范围"})],
        S.DISPATCHED: [
            ("register", "operator", {}),
            ("dispatch", "operator", {"department": world.dept.pk}),
        ],
        S.IN_PROGRESS: [
            ("register", "operator", {}),
            ("dispatch", "operator", {"department": world.dept.pk}),
            ("sign", "handler", {}),
        ],
        S.WITH_SPECIALIST: [  # offered to the world's specialist, who took it
            ("register", "operator", {}),
            ("refer", "operator", {"specialist": world.specialist.pk}),
            ("accept_offer", "specialist", {}),
        ],
    }.get(state) or []  # type: ignore[assignment]
    if state in (S.SUSPENDED, S.REPLIED, S.AWAITING_CALLBACK, S.CLOSED):
        path = [
            ("register", "operator", {}),
            ("dispatch", "operator", {"department": world.dept.pk}),
            ("sign", "handler", {}),
        ]
        if state == S.SUSPENDED:
            path.append(("suspend", "handler", {"reason": "请补充营业执照副本"}))
        else:
            path.append(("reply", "handler", {"result": "resolved", "explanation": "已核实处理"}))
            if state in (S.AWAITING_CALLBACK, S.CLOSED):
                path.append(("accept_reply", "desk_lead", {}))
            if state == S.CLOSED:
                path.append(("callback", "operator", {"satisfaction": 5, "resolved": True}))
    if state == S.WITHDRAWN:
        path = [("withdraw", "enterprise", {"reason": "问题已自行解决"})]
    if state == S.MERGED:
        master = submit_online(world)
        path = [("merge", "operator", {"into": master.pk})]
    for action, role, data in path:
        ticket = act(world, ticket, action, role, **data)
    assert ticket.state == state, (ticket.state, state)
    return ticket
