"""The specialists' statistics in the navigation."""

from qitong.accounts.roles import Role
from qitong.core.navigation import Entry

ROUTING_NAVIGATION = [
    Entry(Role.DESK_LEAD, "专员统计", "routing:stats", 80),
    Entry(Role.SUPERVISOR, "专员统计", "routing:stats", 65),
]
