"""Where each role lands and what its navigation shows (one table, used by views and templates)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from qitong.accounts.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    key: str  # short keyboard hint shown beside the label (Alt+key)


HOME_URL_NAME = {
    Role.OPERATOR: "dashboards:desk",
    Role.DESK_LEAD: "dashboards:desk",
    Role.HANDLER: "dashboards:department",
    Role.DEPT_LEADER: "dashboards:department",
    Role.SPECIALIST: "dashboards:specialist",
    Role.ENTERPRISE: "dashboards:enterprise",
    Role.SUPERVISOR: "dashboards:supervisor",
    Role.ADMIN: "dashboards:admin",
    Role.AUDITOR: "dashboards:auditor",
}

NAVIGATION: dict[str, list[NavItem]] = {
    Role.OPERATOR: [
        NavItem("专席工作台", "dashboards:desk", "1"),
        NavItem("登记诉求", "tickets:new", "2"),
        NavItem("预警工单", "tickets:queue_warning", "3"),
        NavItem("知识库", "knowledge:search", "4"),
    ],
    Role.DESK_LEAD: [
        NavItem("专席工作台", "dashboards:desk", "1"),
        NavItem("登记诉求", "tickets:new", "2"),
        NavItem("预警工单", "tickets:queue_warning", "3"),
        NavItem("待审批", "tickets:queue_requests", "4"),
        NavItem("知识库", "knowledge:search", "5"),
        NavItem("知识缺口", "knowledge:gaps", "6"),
        NavItem("专员统计", "routing:stats", "7"),
    ],
    Role.HANDLER: [
        NavItem("部门待办", "dashboards:department", "1"),
        NavItem("知识库", "knowledge:search", "2"),
        NavItem("本单位知识", "knowledge:mine", "3"),
        NavItem("知识缺口", "knowledge:gaps", "4"),
    ],
    Role.DEPT_LEADER: [
        NavItem("部门待办", "dashboards:department", "1"),
        NavItem("知识库", "knowledge:search", "2"),
        NavItem("本单位知识", "knowledge:mine", "3"),
        NavItem("知识缺口", "knowledge:gaps", "4"),
    ],
    Role.SPECIALIST: [
        NavItem("专员队列", "dashboards:specialist", "1"),
        NavItem("知识库", "knowledge:search", "2"),
    ],
    Role.ENTERPRISE: [
        NavItem("我的诉求", "dashboards:enterprise", "1"),
        NavItem("提交诉求", "portal:new", "2"),
        NavItem("政策问答", "knowledge:search", "3"),
    ],
    Role.SUPERVISOR: [
        NavItem("监督总览", "dashboards:supervisor", "1"),
        NavItem("专员统计", "routing:stats", "2"),
        NavItem("知识缺口", "knowledge:gaps", "3"),
    ],
    Role.ADMIN: [
        NavItem("配置总览", "dashboards:admin", "1"),
        NavItem("基础数据管理", "admin:index", "2"),
        NavItem("知识管理", "knowledge:mine", "3"),
    ],
    Role.AUDITOR: [NavItem("台账审计", "dashboards:auditor", "1")],
}


def home_url_for(user: object) -> str:
    role = getattr(user, "role", None)
    if role not in HOME_URL_NAME:
        return reverse("accounts:login")
    return reverse(HOME_URL_NAME[Role(role)])


def navigation_for(user: object) -> list[NavItem]:
    role = getattr(user, "role", None)
    return NAVIGATION.get(role, []) if role else []  # type: ignore[call-overload]
