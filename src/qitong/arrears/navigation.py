"""The arrears pages in the navigation: supervisors, the debtors' departments, auditors,
administrators, and the creditor enterprise (its own claims)."""

from qitong.accounts.roles import Role
from qitong.core.navigation import Entry

ARREARS_NAVIGATION = [
    *(
        Entry(role, "清欠台账", "arrears:claims", 70)
        for role in (Role.SUPERVISOR, Role.HANDLER, Role.DEPT_LEADER, Role.AUDITOR, Role.ADMIN)
    ),
    Entry(Role.SUPERVISOR, "清欠统计", "arrears:stats", 72),
    Entry(Role.ENTERPRISE, "我的欠款", "arrears:claims", 70),
]
