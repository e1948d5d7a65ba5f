"""A few appeals in every stage of the loop, so a fresh `make demo` shows working queues:
something for the desk to register, to dispatch and to call back, an inbox for the demo
department (to sign, in progress, assisting), a consultation the demo specialist took, an
answer given from the knowledge base and a closed, rated appeal.

Made through the real services at staggered past moments (so deadlines and the ledger read
as they would), by the demo accounts. Idempotent: nothing is made when the demo appeals
exist (they carry idempotency keys "demo-…").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from qitong.accounts.models import User
from qitong.core import clock
from qitong.demo.accounts import DEMO_DEPARTMENT, DEMO_DEPARTMENT_2, DEMO_ENTERPRISES
from qitong.directory.models import Department
from qitong.knowledge.models import Article
from qitong.tickets.models import Ticket
from qitong.tickets.services import TicketInput, ticket_act, ticket_create

KEY = "demo-"


def _users() -> dict[str, User]:
    names = ["operator", "desklead", "handler", "leader", "handler2", "specialist", "enterprise"]
    return {u.username: u for u in User.objects.filter(username__in=names)}


def load_demo_tickets(now: dt.datetime | None = None) -> int:
    """Create the demo appeals if they are not there yet; returns how many were made.

    Long on purpose: it is the script of eight appeals, each a few service calls at staggered
    past moments, read top to bottom like the story it tells (one appeal per paragraph)."""
    if Ticket.objects.filter(idempotency_key__startswith=KEY).exists():
        return 0
    users = _users()
    if len(users) < 7:
        return 0
    now = now or clock.now()
    ent = DEMO_ENTERPRISES["enterprise"]
    lead = Department.objects.get(name=DEMO_DEPARTMENT, region__code="150000")
    other = Department.objects.get(name=DEMO_DEPARTMENT_2, region__code="150000")
    authority = Department.objects.filter(
        is_business_env_authority=True, region__code="150000"
    ).first()
    made = 0

    def at(hours: float) -> Any:
        return clock.frozen(now - dt.timedelta(hours=hours))

    def phone(n: int, **fields: Any) -> Ticket:
        nonlocal made
        data = TicketInput(
            channel="phone",
            urgency="normal",
            credit_code=ent.credit_code,
            contact_phone=ent.mobile,
            contact_name="郑玲洋",
            **fields,
        )
        ticket, _ = ticket_create(data=data, user=users["operator"], idempotency_key=f"{KEY}{n}")
        made += 1
        return ticket

    def act(ticket: Ticket, action: str, who: str, **data: Any) -> Ticket:
        return ticket_act(ticket_id=ticket.pk, action=action, user=users[who], data=data)

    # 1. Online, waiting for the desk to register it.
    with at(1):
        ticket_create(
            data=TicketInput(
                type="help",
                category="utilities.power",
                urgency="normal",
                channel="web",
                content="新建奶粉生产车间需要增容用电，报装申请提交两周仍未安排现场勘察，影响设备调试。",
                contact_phone=ent.mobile,
            ),
            user=users["enterprise"],
            idempotency_key=f"{KEY}online",
        )
        made += 1
    # 2. Registered by phone, to be dispatched.
    with at(2):
        phone(
            2,
            type="suggestion",
            category="government_service.online",
            content="建议政务服务网的企业年报填报页面增加暂存功能，经常填到一半超时。",
        )
    # 3. A consultation answered at once from the knowledge base (awaiting callback).
    article = Article.objects.filter(code="tax-001").first()
    with at(5):
        t3 = phone(
            3,
            type="consultation",
            category="tax.policy",
            content="我们是小微企业，企业所得税有什么优惠？需要备案吗？",
        )
        if article is not None and article.live is not None:
            act(
                t3,
                "answer",
                "operator",
                answer=article.live.title + "：按知识库答复，详见引用。",
                articles=[article.pk],
            )
        else:
            act(t3, "answer", "operator", answer="小型微利企业可减按 25% 计入应纳税所得额。")
    # 4. A complaint dispatched to the demo department with an assisting one (to sign).
    with at(20):
        t4 = phone(
            4,
            type="complaint",
            category="construction.permit",
            content="厂房扩建的施工许可已受理 30 个工作日仍无结果，两个部门互相推诿。",
        )
        act(t4, "dispatch", "operator", department=lead.pk, assisting=[other.pk])
    # 5. A help request the demo department signed and is working on.
    with at(60):
        t5 = phone(
            5,
            type="help",
            category="market.license",
            content="食品生产许可证延续申请材料已提交，现场核查一直未安排，证书下月到期。",
        )
        act(t5, "dispatch", "operator", department=lead.pk)
    with at(50):
        act(t5, "sign", "handler")
    # 6. A consultation routed to the demo specialist (the enterprise's 一对一 specialist),
    # who took it (a pending offer would move on 30 minutes after the demo is loaded).
    with at(4):
        t6 = phone(
            6,
            type="consultation",
            category="labour.recruitment",
            content="今年招了 5 名应届高校毕业生，能申请哪些就业补贴？",
        )
        act(t6, "refer", "operator")
    with at(3.5):
        act(t6, "accept_offer", "specialist")
    # 7. A closed, rated appeal.
    with at(240):
        t7 = phone(
            7,
            type="help",
            category="market.registration",
            content="想在包头开分公司，需要准备哪些登记材料？",
        )
        act(t7, "dispatch", "operator", department=lead.pk)
    with at(230):
        act(t7, "sign", "handler")
    with at(200):
        act(
            t7,
            "reply",
            "handler",
            result="resolved",
            explanation="已电话告知分公司登记所需材料，并指导在内蒙古政务服务网在线申请。",
        )
    with at(190):
        act(t7, "accept_reply", "desklead")
    with at(180):
        act(t7, "callback", "operator", satisfaction=5, resolved=True)
        act(t7, "rate", "enterprise", rating=5, comment="办理很快，谢谢！")
    # 8. A confidential problem report sent to the business-environment authority.
    if authority is not None:
        with at(3):
            t8 = phone(
                8,
                type="problem_report",
                category="payments.government",
                problem_category="arrears",
                content="某区政府工程款 86 万元拖欠两年未付，多次催要无果。",
            )
            act(t8, "dispatch", "operator", department=authority.pk)
    return made
