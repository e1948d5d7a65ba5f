"""How often things happen: the distributions the ticket stories are drawn from.

Plausible shares, not measured ones (consultations dominate, a third of appeals arrive online,
most steps take hours), chosen so that a year of history leaves ~95 % of tickets closed and a
tail open in every state.
"""

from __future__ import annotations

TYPE_WEIGHTS = {
    "consultation": 45,
    "help": 20,
    "complaint": 15,
    "report": 4,
    "suggestion": 7,
    "praise": 3,
    "problem_report": 6,
}
CHANNEL_WEIGHTS = {
    "phone": 58,
    "web": 10,
    "app": 8,
    "mengqitong": 12,
    "wechat": 8,
    "letter": 2,
    "other": 2,
}
ONLINE = frozenset({"web", "app", "mengqitong", "wechat"})
# Top-level categories: how often callers raise them. Market regulation leads, which makes the
# autonomous region's 市场监督管理局 (the demo `handler`) one of the busiest departments.
TOP_WEIGHTS = {
    "market": 20,
    "tax": 13,
    "labour": 10,
    "policy": 9,
    "finance": 7,
    "government_service": 8,
    "construction": 6,
    "utilities": 6,
    "land": 5,
    "enforcement": 5,
    "payments": 4,
    "trade": 2,
    "ip": 2,
    "other": 3,
}
PROBLEM_TOPS = {
    "broken_promise": "policy",
    "arrears": "payments",
    "policy_not_delivered": "policy",
    "approval_service": "government_service",
    "law_enforcement": "enforcement",
    "other": "other",
}
KINDS_BY_TOP = {
    "market": ("market_regulation",),
    "tax": ("tax",),
    "labour": ("human_resources", "human_resources", "medical_security"),
    "policy": ("industry_it", "finance", "commerce", "development_reform"),
    "finance": ("local_finance", "pboc", "financial_regulation"),
    "government_service": ("government_services_data",),
    "construction": ("housing_construction", "natural_resources"),
    "utilities": ("energy", "development_reform", "housing_construction", "communications"),
    "land": ("natural_resources",),
    "enforcement": ("market_regulation", "ecology_environment", "emergency", "fire_rescue"),
    "payments": ("finance", "state_assets", "business_environment"),
    "trade": ("commerce", "customs"),
    "ip": ("intellectual_property", "market_regulation"),
    "other": ("business_environment", "development_reform"),
}
# After registration: P(answer at once), P(refer to a specialist); the rest is dispatched.
ROUTES = {
    "consultation": (0.55, 0.10),
    "help": (0.15, 0.0),
    "suggestion": (0.30, 0.0),
    "praise": (0.80, 0.0),
}
SATISFACTION = ((5, 60), (4, 25), (3, 9), (2, 4), (1, 2))
P_REJECT = 0.04  # of online submissions
P_EXTENSION = 0.06  # of signed tickets: an approved extension before the reply
P_REDO = 0.5  # of dissatisfied callbacks: redone (the rest closed with a reason)
P_WITHDRAW = 0.015
P_DUPLICATE = 0.01  # filed again shortly after a first call, merged into it
P_URGENT = {"complaint": 0.10, "report": 0.10, "help": 0.08}
P_ASSISTING = 0.08
