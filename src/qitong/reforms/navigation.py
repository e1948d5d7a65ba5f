"""The reforms pages in the navigation: the office and the 盟市 coordinators (supervisors),
department staff (the tasks they lead), auditors."""

from qitong.accounts.roles import Role
from qitong.core.navigation import Entry

REFORM_NAVIGATION = [
    *(
        Entry(role, "改革任务", "reforms:home", 50)
        for role in (Role.SUPERVISOR, Role.HANDLER, Role.DEPT_LEADER, Role.AUDITOR, Role.ADMIN)
    ),
    Entry(Role.SUPERVISOR, "报告审核", "reforms:reviews", 55),
]
