"""The supervision pages in the navigation: supervisors (the office and the 盟市), the
responsible units' staff, auditors and administrators."""

from qitong.accounts.roles import Role
from qitong.core.navigation import Entry

SUPERVISION_NAVIGATION = [
    *(
        Entry(role, "督查问题", "supervision:problems", 60)
        for role in (
            Role.SUPERVISOR,
            Role.HANDLER,
            Role.DEPT_LEADER,
            Role.DESK_LEAD,
            Role.AUDITOR,
            Role.ADMIN,
        )
    ),
    Entry(Role.SUPERVISOR, "问题统计", "supervision:stats", 62),
    Entry(Role.SUPERVISOR, "问责公开", "supervision:accountability", 64),
]
