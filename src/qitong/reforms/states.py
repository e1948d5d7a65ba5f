"""The status sets of the reforms domain (one TextChoices each)."""

from django.db import models


class PlanState(models.TextChoices):
    DRAFT = "draft", "草稿"  # being drafted and imported; units see nothing yet
    IN_FORCE = "in_force", "执行中"  # issued: units report on their tasks
    CLOSED = "closed", "已结束"  # past its deadline and closed by the office; read only


class TaskState(models.TextChoices):
    """A unit task's or a local measure's state."""

    NOT_STARTED = "not_started", "未启动"
    IN_PROGRESS = "in_progress", "推进中"
    CLAIMED_DONE = "claimed_done", "申报完成"  # a report claims 100 %, awaiting verification
    DONE = "done", "已完成"  # verified by the reviewer; lateness stays on record
    RETURNED = "returned", "退回整改"  # a claim of completion was returned
    NOT_APPLICABLE = "not_applicable", "不适用"  # with the office's reason
    DEFERRED = "deferred", "已延期"  # approved with a new deadline


OPEN_STATES = frozenset(
    {
        TaskState.NOT_STARTED,
        TaskState.IN_PROGRESS,
        TaskState.CLAIMED_DONE,
        TaskState.RETURNED,
        TaskState.DEFERRED,
    }
)


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    ACCEPTED = "accepted", "已通过"
    RETURNED = "returned", "已退回"  # with the reviewer's comment; the unit corrects and resubmits


class Warning(models.TextChoices):  # the domain's word; never the builtin here
    NONE = "", "正常"
    YELLOW = "yellow", "黄色预警"
    RED = "red", "红色预警"


class PeriodKind(models.TextChoices):
    MONTH = "month", "按月"
    QUARTER = "quarter", "按季度"


class UnitKind(models.TextChoices):
    CITY = "city", "盟市"
    SEPARATE = "separate", "计划单列市"
    DEPARTMENT = "department", "自治区部门"


class Direction(models.TextChoices):
    UP = "up", "越高越好"
    DOWN = "down", "越低越好"


# The 18 first-level indicators of the national 营商环境评价 a task area may serve.
INDICATORS = [
    ("starting_business", "开办企业"),
    ("construction_permits", "办理建筑许可"),
    ("electricity", "获得电力"),
    ("water_gas", "获得用水用气"),
    ("registering_property", "登记财产"),
    ("credit", "获得信贷"),
    ("minority_investors", "保护中小投资者"),
    ("taxes", "纳税"),
    ("trading_across_borders", "跨境贸易"),
    ("contracts", "执行合同"),
    ("insolvency", "办理破产"),
    ("labor_market", "劳动力市场监管"),
    ("procurement", "政府采购"),
    ("bidding", "招标投标"),
    ("government_services", "政务服务"),
    ("intellectual_property", "知识产权创造、保护和运用"),
    ("market_regulation", "市场监管"),
    ("inclusive_innovation", "包容普惠创新"),
]
INDICATOR_LABELS = dict(INDICATORS)
