"""The appeal work order (工单) and what hangs off it.

State and deadlines are stored on the ticket so lists filter on them; history lives in the
ledger, not here. `version` increases with every accepted action: the API and the pages send
the version they saw, and a stale one is a 409 instead of a lost update.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qitong.core.models import StoredFile
from qitong.core.workdays import LimitUnit
from qitong.directory.models import Department, Desk, Specialist
from qitong.enterprises.models import Enterprise
from qitong.tickets.states import (
    Channel,
    Milestone,
    ProblemCategory,
    ReplyResult,
    RequestKind,
    Satisfaction,
    TicketState,
    TicketType,
    Urgency,
)


class Category(models.Model):
    """The appeal category tree (业务分类), e.g. 市场监管 › 企业登记; codes are stable for the API."""

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "诉求分类"
        verbose_name_plural = verbose_name
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """How long one milestone may take for one ticket type and urgency."""

    ticket_type = models.CharField("诉求类型", max_length=20, choices=TicketType.choices)
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices)
    milestone = models.CharField("环节", max_length=10, choices=Milestone.choices)
    amount = models.DecimalField("时限", max_digits=6, decimal_places=2)
    unit = models.CharField("单位", max_length=20, choices=LimitUnit.choices)
    warn_ratio = models.DecimalField(
        "预警比例",
        max_digits=3,
        decimal_places=2,
        default=0.8,
        help_text="用去该比例的时限后进入黄色预警",
    )

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = verbose_name
        ordering = ["ticket_type", "urgency", "milestone"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket_type", "urgency", "milestone"], name="sla_policy_unique"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{TicketType(self.ticket_type).label}/{Urgency(self.urgency).label}/"
            f"{Milestone(self.milestone).label}: {self.amount} {LimitUnit(self.unit).label}"
        )


class Ticket(models.Model):
    number = models.CharField("工单编号", max_length=20)
    type = models.CharField("诉求类型", max_length=20, choices=TicketType.choices)
    category = models.ForeignKey(
        Category, verbose_name="诉求分类", on_delete=models.PROTECT, related_name="tickets"
    )
    problem_category = models.CharField(
        "问题类别", max_length=30, blank=True, choices=ProblemCategory.choices
    )
    urgency = models.CharField(
        "紧急程度", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    channel = models.CharField("来源渠道", max_length=20, choices=Channel.choices)
    title = models.CharField("标题", max_length=200)
    content = models.TextField("诉求内容")
    confidential = models.BooleanField(
        "保密", default=False, help_text="对被反映单位隐藏企业身份，由专席转达"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="tickets"
    )
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, db_index=True)
    # The enterprise's county, denormalised as a code so scoping is one indexed prefix filter.
    region_code = models.CharField("区划代码", max_length=6, db_index=True)
    desk = models.ForeignKey(
        Desk,
        verbose_name="受理专席",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    state = models.CharField("状态", max_length=20, choices=TicketState.choices)
    version = models.PositiveIntegerField("版本", default=1)
    lead_department = models.ForeignKey(
        Department,
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tickets",
    )
    specialist = models.ForeignKey(
        Specialist,
        verbose_name="政策专员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    # A consultation offered to a specialist waits for their acceptance (routing.Offer); what
    # it is routed by: the policy domain's code and, if asked for, the language (mn = 蒙古语).
    specialist_accepted = models.BooleanField("专员已接受", default=False)
    route_domain = models.CharField("咨询领域", max_length=40, blank=True)
    route_language = models.CharField("服务语言", max_length=10, blank=True)
    routed_at = models.DateTimeField("转专员时间", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_tickets",
    )
    pending_request = models.CharField(
        "待审批申请", max_length=10, blank=True, choices=RequestKind.choices
    )
    reply_result = models.CharField(
        "办理结果", max_length=20, blank=True, choices=ReplyResult.choices
    )
    reply_text = models.TextField("答复内容", blank=True)
    # Assisting departments (协办) whose opinion to the lead is still awaited, by id: the
    # transition table reads it, so it lives on the ticket rather than only on Assignment.
    assist_pending = models.JSONField("待反馈协办单位", default=list, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        "满意度", null=True, blank=True, choices=Satisfaction.choices
    )
    resolved = models.BooleanField("是否解决", null=True, blank=True)
    callback_dissatisfied = models.BooleanField("回访不满意待处理", default=False)
    redo_count = models.PositiveSmallIntegerField("重办次数", default=0)
    extension_days = models.PositiveSmallIntegerField("已延期工作日", default=0)
    first_contact_resolution = models.BooleanField("首呼解决", default=False)
    enterprise_rating = models.PositiveSmallIntegerField(
        "企业评价", null=True, blank=True, choices=Satisfaction.choices
    )
    enterprise_comment = models.TextField("企业评价意见", blank=True, default="")
    # Deadlines per milestone (DESIGN "Clocks"); null = not applicable yet.
    due_register_at = models.DateTimeField("受理时限", null=True, blank=True)
    due_dispatch_at = models.DateTimeField("派单时限", null=True, blank=True)
    due_sign_at = models.DateTimeField("签收时限", null=True, blank=True)
    due_reply_at = models.DateTimeField("答复时限", null=True, blank=True, db_index=True)
    due_callback_at = models.DateTimeField("回访时限", null=True, blank=True)
    # The milestone the clock is running for now, its deadline and when it turns yellow:
    # what inbox tabs, warning badges and the sweep filter on.
    milestone = models.CharField("当前环节", max_length=10, blank=True, choices=Milestone.choices)
    due_at = models.DateTimeField("当前环节时限", null=True, blank=True)
    warn_at = models.DateTimeField("预警时间", null=True, blank=True)
    suspended_at = models.DateTimeField("挂起时间", null=True, blank=True)
    # The milestone last reminded / escalated: each happens once per milestone run (a new run
    # of a milestone, e.g. after a redo, clears them).
    reminded_for = models.CharField("已催办环节", max_length=10, blank=True)
    escalated_for = models.CharField("已督办环节", max_length=10, blank=True)
    # Promoted to a supervision problem (issue 13; the problem links back to the ticket).
    promoted_at = models.DateTimeField("转督查问题时间", null=True, blank=True)
    # What the hotline's indicators count (tickets.facts), kept for the current lead department.
    dispatched_at = models.DateTimeField("首次派单时间", null=True, blank=True)
    lead_since = models.DateTimeField("派至现主办单位时间", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    signed_on_time = models.BooleanField("按时签收", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_on_time = models.BooleanField("按时答复", null=True, blank=True)
    reply_minutes = models.PositiveIntegerField("答复用时（工作分钟）", null=True, blank=True)
    returned_count = models.PositiveSmallIntegerField("退单次数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_tickets",
    )
    idempotency_key = models.CharField("幂等键", max_length=100, blank=True)
    # SHA-256 of the request the key first came with: the same key with another body is
    # refused (idempotency_mismatch), not answered with this ticket.
    idempotency_digest = models.CharField("幂等请求摘要", max_length=64, blank=True, editable=False)
    # The title and content segmented for the word search (tickets.search): indexed by a
    # tsvector on PostgreSQL and an FTS5 table on SQLite (migration 0009).
    search_words = models.TextField("检索词", blank=True, default="", editable=False)
    created_at = models.DateTimeField("创建时间", db_index=True)
    updated_at = models.DateTimeField("更新时间")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        constraints = [
            # Not unique=True: that adds an unused varchar_pattern_ops index on PostgreSQL.
            models.UniqueConstraint(fields=["number"], name="ticket_number_unique"),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                name="ticket_idempotency",
                condition=~models.Q(idempotency_key=""),
            ),
        ]
        indexes = [
            # The department inbox: its tabs by deadline, the API list newest first.
            models.Index(
                fields=["lead_department", "state", "due_at"], name="ticket_department_due"
            ),
            models.Index(
                fields=["lead_department", "state", "-created_at", "-id"],
                name="ticket_department_recent",
            ),
            models.Index(fields=["enterprise", "-created_at"], name="ticket_enterprise_list"),
            # a desk's tickets of a period (its operators by hour, dashboards.hotline_views)
            models.Index(fields=["desk", "created_at"], name="ticket_desk_created"),
            models.Index(fields=["state", "region_code"], name="ticket_state_region"),
            models.Index(
                fields=["due_at"], name="ticket_due", condition=models.Q(due_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Assignment(models.Model):
    """A department's part in a dispatched ticket: the lead (主办) or an assisting one (协办)."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        ASSISTING = "assisting", "协办"

    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="assignments"
    )
    department = models.ForeignKey(
        Department, verbose_name="单位", on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices)
    active = models.BooleanField("有效", default=True, help_text="退单或改派后失效")
    dispatched_at = models.DateTimeField("派单时间")
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    reply_text = models.TextField("协办意见", blank=True)

    class Meta:
        verbose_name = "承办分工"
        verbose_name_plural = verbose_name
        # A department's current work, ticket ids in the index: the department's scope
        # (tickets_visible_to) reads it without visiting the table (62 → 5 ms at 1M tickets).
        indexes = [
            models.Index(
                fields=["department", "ticket"],
                condition=models.Q(active=True),
                name="assignment_active_department",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.department} {self.get_role_display()}"


class PendingDecision(models.Model):
    """A return or extension request awaiting the desk lead, and how it was decided."""

    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="requests"
    )
    kind = models.CharField("类型", max_length=10, choices=RequestKind.choices)
    reason = models.TextField("理由")
    legal_basis = models.TextField("依据", blank=True)
    days = models.PositiveSmallIntegerField("延期工作日", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间")
    approved = models.BooleanField("是否同意", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    # A reply awaiting the department leader's sign-off (kind = signoff): the draft and the
    # files that came with it (kept internal until the leader signs it off).
    reply_result = models.CharField(
        "答复稿办理结果", max_length=20, blank=True, choices=ReplyResult.choices
    )
    reply_text = models.TextField("答复稿", blank=True)
    attachment_ids = models.JSONField("答复稿附件", default=list, blank=True)

    class Meta:
        verbose_name = "退单/延期申请与答复审签"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_kind_display()}"


class Attachment(StoredFile):
    """A file on a ticket. Stored under a generated name; the original name is only displayed."""

    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField("文件", upload_to="tickets/%Y/%m/")
    internal = models.BooleanField("仅内部可见", default=False)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = verbose_name


class TicketCounter(models.Model):
    """Per-day sequence for human-readable ticket numbers (QT + yyyymmdd + 6 digits)."""

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "工单编号计数"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Citation(models.Model):
    """A knowledge-base article version an answer was given from: the ticket keeps pointing
    at the exact words, whatever later versions say."""

    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="citations"
    )
    version = models.ForeignKey(
        "knowledge.ArticleVersion",
        verbose_name="知识版本",
        on_delete=models.PROTECT,
        related_name="citations",
    )
    action = models.CharField("操作", max_length=30)
    cited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="引用人", on_delete=models.PROTECT, related_name="+"
    )
    cited_at = models.DateTimeField("引用时间")

    class Meta:
        verbose_name = "引用的知识"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["ticket", "version"], name="citation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.version_id}"


class OfferState(models.TextChoices):
    PENDING = "pending", "待接受"
    ACCEPTED = "accepted", "已接受"
    DECLINED = "declined", "已谢绝"
    EXPIRED = "expired", "超时未接受"
    WITHDRAWN = "withdrawn", "已撤回"


class Offer(models.Model):
    """A consultation offered to one specialist (routing.engine chose them), accepted,
    declined, expired or withdrawn."""

    ticket = models.ForeignKey(
        "Ticket", verbose_name="工单", on_delete=models.PROTECT, related_name="offers"
    )
    specialist = models.ForeignKey(
        Specialist, verbose_name="政策专员", on_delete=models.PROTECT, related_name="offers"
    )
    # The step that chose the specialist ("chosen": the operator named one).
    step = models.CharField("分派方式", max_length=20)
    state = models.CharField(
        "状态", max_length=10, choices=OfferState.choices, default=OfferState.PENDING
    )
    offered_at = models.DateTimeField("邀请时间")
    expires_at = models.DateTimeField("等待截止")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    reason = models.CharField("谢绝理由", max_length=500, blank=True)

    class Meta:
        db_table = "routing_offer"  # created by the routing app before offers moved here
        verbose_name = "专员邀请"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="offer_pending_expiry",
                condition=models.Q(state="pending"),
            ),
            models.Index(fields=["specialist", "state"], name="offer_specialist_state"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.specialist_id}（{self.get_state_display()}）"


class Gap(models.Model):
    """A consultation the knowledge base had no fitting article for (the operator said so when
    answering, or the answer cited none): the raw material of the gaps report."""

    ticket = models.OneToOneField(
        "Ticket",
        verbose_name="工单",
        on_delete=models.PROTECT,
        related_name="knowledge_gap",
    )
    category_code = models.CharField("诉求分类", max_length=40)
    domain_code = models.CharField("政策领域", max_length=40, blank=True)
    region_code = models.CharField("区划代码", max_length=6)
    title = models.CharField("诉求标题", max_length=200)
    flagged = models.BooleanField("话务员标记“无合适知识”", default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", db_index=True)

    class Meta:
        db_table = "knowledge_gap"  # created by the knowledge app before gaps moved here
        verbose_name = "知识缺口"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title


class Grain(models.TextChoices):
    DAY = "d", "日"  # day × 盟市 × department × desk
    MONTH = "m", "月"  # month × 盟市 × department (desk 0)
    DESK_MONTH = "k", "专席月"  # month × 盟市 × desk (department 0)


class HotlineDay(models.Model):
    """The hotline's counted facts (tickets.facts) summed per 受理日, 盟市, lead department and
    desk (grain d), and per month (`day` its first day) by 盟市 and department (grain m) and
    by 盟市 and desk (grain k): kept in each ticket change's own transaction (tickets.rollup),
    so a dashboard adds up whole months and a few edge days instead of counting a million
    tickets. 0 = none (no lead yet), or not part of the grain."""

    grain = models.CharField("粒度", max_length=1, choices=Grain.choices, default=Grain.DAY)
    day = models.DateField("受理日")
    city = models.CharField("盟市", max_length=6)
    department = models.IntegerField("主办单位", default=0)
    desk = models.IntegerField("受理专席", default=0)
    reply_minutes_sum = models.BigIntegerField("答复用时合计（工作分钟）", default=0)

    class Meta:
        verbose_name = "热线统计日汇总"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "city", "department", "desk"], name="hotline_day_unique"
            )
        ]
        indexes = [
            models.Index(fields=["department", "grain", "day"], name="hotline_day_department")
        ]

    def __str__(self) -> str:
        return f"{self.grain}{self.day} {self.city} {self.department}/{self.desk}"


class HotlineCategoryDay(models.Model):
    """Tickets per 受理日 (and per month, grain m), 盟市 and category (top categories)."""

    grain = models.CharField("粒度", max_length=1, choices=Grain.choices, default=Grain.DAY)
    day = models.DateField("受理日")
    city = models.CharField("盟市", max_length=6)
    category = models.IntegerField("诉求分类")
    created = models.IntegerField("工单数", default=0)

    class Meta:
        verbose_name = "热线分类日汇总"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "city", "category"], name="hotline_category_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.city} {self.category}"


def _add_counters() -> None:
    """One integer column per counted fact (tickets.facts.COUNTED), declared from that list
    so the rollup cannot miss a fact."""
    from qitong.tickets.facts import FACTS

    for fact in FACTS:
        HotlineDay.add_to_class(fact.key, models.IntegerField(fact.label, default=0))


_add_counters()


class DispatchRule(models.Model):
    """One line of the 派单目录 (国办函〔2025〕66号): for appeals of this category from this region,
    the lead department and the assisting ones. A rule for a top-level category covers its
    children; one for a 盟市 (or the region) covers the counties under it; the most specific
    rule wins (tickets.catalogue). Edited by administrators (admin, Excel in/out), every
    change ledgered; `version` is the catalogue version that last changed it."""

    region = models.ForeignKey(
        "directory.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name="诉求分类", on_delete=models.PROTECT, related_name="+"
    )
    lead = models.ForeignKey(
        Department, verbose_name="主办单位", on_delete=models.PROTECT, related_name="+"
    )
    assisting = models.JSONField(
        "协办单位", default=list, blank=True, help_text="协办单位的 id 列表（可为空）"
    )
    basis = models.CharField(
        "职责依据", max_length=200, blank=True, help_text="如“三定”规定、权责清单条目"
    )
    active = models.BooleanField("启用", default=True)
    version = models.PositiveIntegerField("目录版本", default=1, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "派单目录"
        verbose_name_plural = verbose_name
        ordering = ["region__code", "category__sort_order", "category__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "category"],
                condition=models.Q(active=True),
                name="dispatch_rule_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.category} → {self.lead}"


class CatalogueVersion(models.Model):
    """Each change of the 派单目录 (an admin save or an Excel import) is a new version."""

    number = models.PositiveIntegerField("版本号", unique=True)
    note = models.CharField("说明", max_length=200)
    rules = models.PositiveIntegerField("启用条目数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="变更人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("变更时间")

    class Meta:
        verbose_name = "派单目录版本"
        verbose_name_plural = verbose_name
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"第 {self.number} 版：{self.note}"
