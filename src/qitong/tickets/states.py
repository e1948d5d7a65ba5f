"""Status and code sets of the appeal work order (DESIGN "The ticket lifecycle").

Each set is one TextChoices; `STATE_COLOURS` gives the badge colour so templates never decide.
"""

from __future__ import annotations

from django.db import models


class TicketState(models.TextChoices):
    SUBMITTED = "submitted", "待受理"  # filed online by an enterprise, awaiting the desk
    REGISTERED = "registered", "已受理"  # accepted by the desk, not yet handed on
    WITH_SPECIALIST = "with_specialist", "专员办理中"  # referred to a policy specialist
    DISPATCHED = "dispatched", "待签收"  # dispatched, the lead department has not signed
    IN_PROGRESS = "in_progress", "办理中"  # signed by the lead department
    SUSPENDED = "suspended", "已挂起"  # waiting for the enterprise's material; clock paused
    REPLIED = "replied", "待审核"  # the department replied; the desk reviews
    AWAITING_CALLBACK = "awaiting_callback", "待回访"  # answered; the desk calls back
    CLOSED = "closed", "已办结"
    REJECTED = "rejected", "不予受理"  # refused at intake, with a reason
    WITHDRAWN = "withdrawn", "已撤单"  # withdrawn at the enterprise's request
    MERGED = "merged", "已并单"  # a duplicate folded into its master ticket


FINAL_STATES = frozenset(
    {TicketState.CLOSED, TicketState.REJECTED, TicketState.WITHDRAWN, TicketState.MERGED}
)
OPEN_STATES = frozenset(set(TicketState) - FINAL_STATES)
# States in which a deadline clock runs: open and not suspended (the sweep, the warning
# queues and the "overdue" filter all mean this set).
CLOCK_RUNNING_STATES = frozenset(OPEN_STATES - {TicketState.SUSPENDED})
# States in which a department holds the ticket (reminders and escalations target it).
DEPARTMENT_STATES = frozenset(
    {TicketState.DISPATCHED, TicketState.IN_PROGRESS, TicketState.SUSPENDED}
)

STATE_COLOURS = {
    TicketState.SUBMITTED: "blue",
    TicketState.REGISTERED: "blue",
    TicketState.WITH_SPECIALIST: "purple",
    TicketState.DISPATCHED: "orange",
    TicketState.IN_PROGRESS: "orange",
    TicketState.SUSPENDED: "grey",
    TicketState.REPLIED: "teal",
    TicketState.AWAITING_CALLBACK: "teal",
    TicketState.CLOSED: "green",
    TicketState.REJECTED: "grey",
    TicketState.WITHDRAWN: "grey",
    TicketState.MERGED: "grey",
}


class TicketType(models.TextChoices):
    CONSULTATION = "consultation", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    SUGGESTION = "suggestion", "建议"
    PRAISE = "praise", "表扬"
    PROBLEM_REPORT = "problem_report", "反映问题"


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"


class Channel(models.TextChoices):
    PHONE = "phone", "热线电话"
    WEB = "web", "网站"
    APP = "app", "APP"
    MENGQITONG = "mengqitong", "蒙企通"
    WECHAT = "wechat", "微信"
    LETTER = "letter", "来信"
    OTHER = "other", "其他"


class ProblemCategory(models.TextChoices):
    """Categories of business-environment problem reports (反映问题)."""

    BROKEN_PROMISE = "broken_promise", "政府承诺不兑现"
    ARREARS = "arrears", "拖欠企业账款"
    POLICY_NOT_DELIVERED = "policy_not_delivered", "惠企政策落实不到位"
    APPROVAL_SERVICE = "approval_service", "审批服务"
    ARBITRARY_CHARGES = "arbitrary_charges", "乱收费乱罚款"
    LAW_ENFORCEMENT = "law_enforcement", "执法检查"
    OTHER = "other", "其他"


class Milestone(models.TextChoices):
    REGISTER = "register", "受理"
    DISPATCH = "dispatch", "派单"
    SIGN = "sign", "签收"
    REPLY = "reply", "答复"
    CALLBACK = "callback", "回访"


class ReplyResult(models.TextChoices):
    RESOLVED = "resolved", "已解决"
    PARTLY_RESOLVED = "partly_resolved", "部分解决"
    EXPLAINED = "explained", "已解释说明"


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    FAIRLY_SATISFIED = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


class RequestKind(models.TextChoices):
    RETURN = "return", "退单申请"
    EXTENSION = "extension", "延期申请"
    SIGNOFF = "signoff", "答复审签"  # decided by the lead department's leader, not the desk


# Requests the desk lead decides (the department leader decides SIGNOFF).
DESK_REQUESTS = frozenset({RequestKind.RETURN, RequestKind.EXTENSION})


class Warning(models.TextChoices):
    GREEN = "green", "正常"
    YELLOW = "yellow", "预警"
    RED = "red", "超期"
