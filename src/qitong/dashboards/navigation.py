"""Each role's home page (and the administrator's data management) in the navigation."""

from qitong.accounts.roles import Role
from qitong.core.navigation import Entry

DASHBOARD_NAVIGATION = [
    Entry(Role.OPERATOR, "专席工作台", "dashboards:desk", 10, home=True),
    Entry(Role.DESK_LEAD, "专席工作台", "dashboards:desk", 10, home=True),
    Entry(Role.HANDLER, "部门待办", "dashboards:department", 10, home=True),
    Entry(Role.DEPT_LEADER, "部门待办", "dashboards:department", 10, home=True),
    Entry(Role.SPECIALIST, "专员队列", "dashboards:specialist", 10, home=True),
    Entry(Role.ENTERPRISE, "我的诉求", "dashboards:enterprise", 10, home=True),
    Entry(Role.SUPERVISOR, "监督总览", "dashboards:supervisor", 10, home=True),
    Entry(Role.ADMIN, "配置总览", "dashboards:admin", 10, home=True),
    Entry(Role.ADMIN, "基础数据管理", "admin:index", 20),
    Entry(Role.AUDITOR, "台账审计", "dashboards:auditor", 10, home=True),
    # Reports over the work.
    *(
        Entry(role, "知识缺口", "dashboards:gaps", 70)
        for role in (Role.DESK_LEAD, Role.HANDLER, Role.DEPT_LEADER, Role.SUPERVISOR)
    ),
    Entry(Role.DESK_LEAD, "专员统计", "dashboards:specialist_stats", 80),
    # The hotline's indicators (dashboards.hotline); the supervisor's are on its overview.
    *(
        Entry(role, "专席统计", "dashboards:desk_stats", 60)
        for role in (Role.OPERATOR, Role.DESK_LEAD)
    ),
    *(
        Entry(role, "本单位统计", "dashboards:department_stats", 60)
        for role in (Role.HANDLER, Role.DEPT_LEADER)
    ),
    Entry(Role.SUPERVISOR, "专员统计", "dashboards:specialist_stats", 65),
]
