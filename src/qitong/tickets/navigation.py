"""The desk's and the enterprise's ticket pages in the navigation."""

from qitong.accounts.roles import Role
from qitong.core.navigation import Entry

TICKET_NAVIGATION = [
    *(Entry(role, "登记诉求", "tickets:new", 20) for role in (Role.OPERATOR, Role.DESK_LEAD)),
    *(
        Entry(role, "预警工单", "tickets:queue_warning", 30)
        for role in (Role.OPERATOR, Role.DESK_LEAD)
    ),
    Entry(Role.DESK_LEAD, "待审批", "tickets:queue_requests", 40),
    Entry(Role.ENTERPRISE, "提交诉求", "portal:new", 20),
    # The staff ticket list (tickets.listing): every ticket in the reader's scope, filtered.
    *(
        Entry(role, "工单查询", "tickets:list", 45)
        for role in (Role.OPERATOR, Role.DESK_LEAD, Role.HANDLER, Role.DEPT_LEADER)
    ),
    *(Entry(role, "工单列表", "tickets:list", 20) for role in (Role.SUPERVISOR, Role.AUDITOR)),
]
