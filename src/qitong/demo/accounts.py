"""The demo accounts: one per role, all with password `qitong-demo`.

The README, the tests and integrators rely on these names; this module is the one place that
defines them (username → role and what the account's scope is).
"""

from __future__ import annotations

from typing import NamedTuple

from qitong.accounts.roles import Role
from qitong.enterprises.validators import org_code_check_char, uscc_check_char

DEMO_PASSWORD = "qitong-demo"  # nosec B105 # a message or a public constant, not a password


class DemoEnterprise(NamedTuple):
    """A fixed demo enterprise an enterprise account belongs to (its login: code + mobile)."""

    credit_code: str
    name: str
    region_code: str
    mobile: str
    industry: str
    size: str


def demo_credit_code(region_code: str, org_body: str) -> str:
    """A synthetic code with both check characters right (org code and position 18)."""
    first17 = f"91{region_code}{org_body}{org_code_check_char(org_body)}"
    return first17 + uscc_check_char(first17)


DEMO_ENTERPRISES: dict[str, DemoEnterprise] = {
    "enterprise": DemoEnterprise(
        demo_credit_code("150102", "MA0QT001"),
        "呼和浩特青禾乳业有限公司（演示）",
        "150102",
        "13947100001",
        "C",
        "medium",
    ),
    "enterprise2": DemoEnterprise(
        demo_credit_code("150203", "MA0QT002"),
        "包头北辰稀土新材料有限公司（演示）",
        "150203",
        "13947200002",
        "C",
        "small",
    ),
}


class DemoAccount(NamedTuple):
    role: Role
    scope: str


DEMO_DESK_CODE = "ZX15000001"
DEMO_DEPARTMENT = "自治区市场监督管理局"
DEMO_DEPARTMENT_2 = "自治区住房和城乡建设厅"
DEMO_SPECIALIST_CODE = "S00001"
DEMO_SUPERVISOR_REGION = "150000"
DEMO_COORDINATOR_REGION = "150200"  # 包头市: the demo's 盟市 reform-task coordinator

DEMO_ACCOUNTS: dict[str, DemoAccount] = {
    "admin": DemoAccount(Role.ADMIN, "全部（超级用户，可进入 /admin/）"),
    "operator": DemoAccount(Role.OPERATOR, "自治区本级企业服务专席（综合）"),
    "desklead": DemoAccount(Role.DESK_LEAD, "自治区本级企业服务专席（综合）"),
    "handler": DemoAccount(Role.HANDLER, DEMO_DEPARTMENT),
    "leader": DemoAccount(Role.DEPT_LEADER, DEMO_DEPARTMENT),
    "handler2": DemoAccount(Role.HANDLER, DEMO_DEPARTMENT_2),
    "specialist": DemoAccount(
        Role.SPECIALIST, f"政策专员 {DEMO_SPECIALIST_CODE}（{DEMO_DEPARTMENT}）"
    ),
    "supervisor": DemoAccount(Role.SUPERVISOR, "内蒙古自治区（全区；改革任务的审核人）"),
    "coordinator": DemoAccount(Role.SUPERVISOR, "包头市（改革任务联络员，报送本市进度）"),
    "auditor": DemoAccount(Role.AUDITOR, "全部（只读）"),
    **{
        username: DemoAccount(
            Role.ENTERPRISE, f"{ent.name}，信用代码 {ent.credit_code}，手机 {ent.mobile}"
        )
        for username, ent in DEMO_ENTERPRISES.items()
    },
}
