"""The roles of DESIGN.md "Who uses it". One role per account; the role decides the home page,
the navigation and (with the scope fields on User) what the account may see."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", "企业用户"
    OPERATOR = "operator", "话务员"
    DESK_LEAD = "desk_lead", "班长"
    HANDLER = "handler", "承办人"
    DEPT_LEADER = "dept_leader", "部门领导"
    SPECIALIST = "specialist", "政策专员"
    SUPERVISOR = "supervisor", "督查人员"
    ADMIN = "admin", "系统管理员"
    AUDITOR = "auditor", "审计员"


DESK_ROLES = frozenset({Role.OPERATOR, Role.DESK_LEAD})
DEPARTMENT_ROLES = frozenset({Role.HANDLER, Role.DEPT_LEADER})
STAFF_ROLES = frozenset(set(Role) - {Role.ENTERPRISE})
# Roles that see everything (read) regardless of region: configuration and audit.
GLOBAL_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})
