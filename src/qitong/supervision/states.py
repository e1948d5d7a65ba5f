"""The supervision domain's status sets (issue 13): the problem's rectification cycle, the
activity kinds, the accountability measures and their disclosure."""

from __future__ import annotations

from django.db import models


class ProblemState(models.TextChoices):
    REGISTERED = "registered", "已登记"  # listed, not yet handed to its unit
    ASSIGNED = "assigned", "已交办"  # handed to the responsible unit, deadline running
    RECTIFYING = "rectifying", "整改中"  # the unit accepted it and filed a plan
    LONG_TERM = "long_term", "长期整改"  # staged milestones instead of one deadline
    PENDING_ACCEPTANCE = "pending_acceptance", "待验收"  # the unit claims done, with evidence
    OBJECTED = "objected", "异议审核中"  # the unit disputes the finding
    CLOSED = "closed", "已销号"  # the supervisor accepted the rectification
    DISMISSED = "dismissed", "异议成立撤销"  # the objection was upheld


OPEN_STATES = frozenset(set(ProblemState) - {ProblemState.CLOSED, ProblemState.DISMISSED})
FINAL_STATES = frozenset({ProblemState.CLOSED, ProblemState.DISMISSED})
# Where the unit's deadline runs (overdue is derived from it; the sweep warns and escalates).
CLOCKED_STATES = frozenset({ProblemState.ASSIGNED, ProblemState.RECTIFYING, ProblemState.LONG_TERM})


class ProblemSource(models.TextChoices):
    ACTIVITY = "activity", "督查活动"
    TICKET = "ticket", "12345 工单"
    MANUAL = "manual", "直接登记"


class ProblemClass(models.TextChoices):
    """Severity; each class has an editable rectification limit (supervision.ClassLimit)."""

    A = "A", "A 类"
    B = "B", "B 类"
    C = "C", "C 类"


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", "个工作日"
    MONTHS = "months", "个月"


class ActivityKind(models.TextChoices):
    OPEN_INSPECTION = "open_inspection", "明查"
    UNDERCOVER = "undercover", "暗访"
    SPECIAL = "special", "专项督查"
    ROUTINE = "routine", "日常调度"
    THIRD_PARTY = "third_party", "第三方评估"
    PATROL = "patrol", "巡视巡察"
    HOTLINE_ANALYSIS = "hotline_analysis", "12345 数据分析"


class Escalation(models.IntegerChoices):
    """The escalation ladder; each step is a recorded action with its document."""

    NONE = 0, "未督办"
    SUPERVISE = 1, "督办"
    INTERVIEW = 2, "约谈"
    NOTICE = 3, "通报"
    REFERRAL = 4, "移送纪检监察"


class FileKind(models.TextChoices):
    EVIDENCE = "evidence", "问题证据"
    PLAN = "plan", "整改方案"
    PROGRESS = "progress", "整改进展"
    CLOSING = "closing", "整改完成佐证"
    OBJECTION = "objection", "异议材料"
    DOCUMENT = "document", "督办文书"
    OTHER = "other", "其他"


class AccountabilityMeasure(models.TextChoices):
    CRITICISM = "criticism", "通报批评"
    INTERVIEW = "interview", "约谈"
    ADMONITION = "admonition", "诫勉谈话"
    ORGANISATIONAL = "organisational", "组织处理"
    DISCIPLINE = "discipline", "党纪政务处分"


class EntryState(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"  # frozen: only a new entry that references it corrects it
