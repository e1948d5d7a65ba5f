"""The default appeal category tree shipped with qitong (administrators extend it).

Codes are stable identifiers used by the API (`GET /api/v1/categories`) and the classifier.
"""

from qitong.tickets.deadlines import DEFAULT_POLICIES

DEFAULT_CATEGORIES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "market",
        "市场准入与登记",
        [
            ("market.registration", "企业开办与登记"),
            ("market.license", "经营许可"),
            ("market.deregistration", "企业注销"),
            ("market.other", "其他市场准入"),
        ],
    ),
    (
        "tax",
        "税费",
        [
            ("tax.policy", "税收优惠政策"),
            ("tax.refund", "退税与留抵"),
            ("tax.fees", "涉企收费"),
            ("tax.invoice", "发票与申报"),
        ],
    ),
    (
        "finance",
        "融资信贷",
        [
            ("finance.loan", "贷款与担保"),
            ("finance.subsidy", "贴息与补助资金"),
        ],
    ),
    (
        "land",
        "用地与规划",
        [
            ("land.supply", "土地供应"),
            ("land.planning", "规划许可"),
            ("land.certificate", "不动产登记"),
        ],
    ),
    (
        "construction",
        "工程建设审批",
        [
            ("construction.permit", "施工许可"),
            ("construction.acceptance", "竣工验收"),
        ],
    ),
    (
        "labour",
        "劳动用工与社保",
        [
            ("labour.recruitment", "招聘用工"),
            ("labour.social_security", "社会保险"),
            ("labour.wages", "工资支付"),
        ],
    ),
    (
        "utilities",
        "水电气暖与网络",
        [
            ("utilities.power", "用电报装"),
            ("utilities.water", "用水报装"),
            ("utilities.gas_heat", "用气用暖"),
            ("utilities.network", "通信网络"),
        ],
    ),
    (
        "enforcement",
        "执法检查",
        [
            ("enforcement.inspection", "涉企检查"),
            ("enforcement.penalty", "行政处罚"),
        ],
    ),
    (
        "policy",
        "惠企政策兑现",
        [
            ("policy.award", "奖补资金兑现"),
            ("policy.promise", "招商承诺兑现"),
        ],
    ),
    ("payments", "账款拖欠", [("payments.government", "政府部门及国企拖欠账款")]),
    ("trade", "外贸与口岸", [("trade.customs", "通关与口岸"), ("trade.export", "出口政策")]),
    ("ip", "知识产权", [("ip.patent", "专利"), ("ip.trademark", "商标")]),
    (
        "government_service",
        "政务服务",
        [
            ("government_service.online", "网上办事"),
            ("government_service.window", "窗口服务"),
        ],
    ),
    ("other", "其他", [("other.general", "其他事项")]),
]


def seed_defaults(category_model: type, policy_model: type) -> None:
    """Create the default categories and SLA policies that do not exist yet (used by the data
    migration, and by tests whose transactional flush empties the tables)."""
    for i, (code, name, children) in enumerate(DEFAULT_CATEGORIES):
        parent, _ = category_model.objects.get_or_create(  # type: ignore[attr-defined]
            code=code, defaults={"name": name, "sort_order": i}
        )
        for j, (child_code, child_name) in enumerate(children):
            category_model.objects.get_or_create(  # type: ignore[attr-defined]
                code=child_code, defaults={"name": child_name, "parent": parent, "sort_order": j}
            )
    for (ticket_type, urgency, milestone), limit in DEFAULT_POLICIES.items():
        policy_model.objects.get_or_create(  # type: ignore[attr-defined]
            ticket_type=ticket_type,
            urgency=urgency,
            milestone=milestone,
            defaults={"amount": limit.amount, "unit": limit.unit, "warn_ratio": limit.warn_ratio},
        )
