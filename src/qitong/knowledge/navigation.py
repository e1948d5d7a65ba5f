"""The knowledge base's pages in the navigation."""

from qitong.accounts.roles import Role
from qitong.core.navigation import Entry

_SEARCHERS = (Role.OPERATOR, Role.DESK_LEAD, Role.HANDLER, Role.DEPT_LEADER, Role.SPECIALIST)
KNOWLEDGE_NAVIGATION = [
    *(Entry(role, "知识库", "knowledge:search", 50) for role in _SEARCHERS),
    Entry(Role.ENTERPRISE, "政策问答", "knowledge:search", 50),
    *(Entry(role, "本单位知识", "knowledge:mine", 60) for role in (Role.HANDLER, Role.DEPT_LEADER)),
    Entry(Role.ADMIN, "知识管理", "knowledge:mine", 60),
]
