"""The assessment in the navigation: the region's office (the assessor), the units (盟市
supervisors, departments' staff), auditors and administrators."""

from qitong.accounts.roles import Role
from qitong.core.navigation import Entry

APPRAISAL_NAVIGATION = [
    Entry(role, "考核评估", "appraisal:home", 80)
    for role in (Role.SUPERVISOR, Role.HANDLER, Role.DEPT_LEADER, Role.AUDITOR, Role.ADMIN)
]
