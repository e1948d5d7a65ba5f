"""The registry in the navigation: departments (their results, uses), the data bureau and
supervisors (the figures), auditors and administrators; enterprises find results by zone."""

from qitong.accounts.roles import Role
from qitong.core.navigation import Entry

AREA_NAVIGATION = [
    *(
        Entry(role, "区域评估", "area_assessments:results", 85)
        for role in (Role.SUPERVISOR, Role.HANDLER, Role.DEPT_LEADER, Role.AUDITOR, Role.ADMIN)
    ),
    Entry(Role.ENTERPRISE, "区域评估成果", "public:area_lookup", 85),
]
