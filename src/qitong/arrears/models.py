"""Arrears owed to enterprises (清欠, issue 14): the bodies that owe (debtors), one claim per
contract, and the repayments made on it, by 《保障中小企业款项支付条例》 (arrears.rules).

A claim moves only through the workflow core (arrears.transitions / arrears.services), so
every change is a ledger event; its figures are never edited in place: a correction is an
action whose event records the old and the new value. What lists and statistics filter and
sum on (due date, balance, the interest's linear terms, the debtor's kind and region) is
stored on the claim when it changes, never recomputed per row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models

from qitong.arrears.states import (
    OPEN_STATES,
    ClaimState,
    ContractKind,
    DebtorKind,
    DebtorLevel,
    FileKind,
    RepaymentMethod,
    RepaymentStatus,
)
from qitong.core import clock
from qitong.core.models import StoredFile
from qitong.directory.models import Department, Region
from qitong.enterprises.models import Enterprise
from qitong.enterprises.validators import validate_credit_code


class LoanPrimeRate(models.Model):
    """The one-year loan prime rate (LPR) as published monthly; an agreed late-payment rate
    may not be below the one in force when the contract was signed (条例第十七条)."""

    effective_on = models.DateField("起始日期", unique=True)
    one_year = models.DecimalField("一年期 LPR（%）", max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "贷款市场报价利率"
        verbose_name_plural = verbose_name
        ordering = ["-effective_on"]

    def __str__(self) -> str:
        return f"{self.effective_on:%Y-%m-%d} {self.one_year}%"


class Debtor(models.Model):
    """A body that owes: a government organ, a public institution, a (state-owned) large
    enterprise or an association, keyed by its credit code."""

    name = models.CharField("单位名称", max_length=200)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code]
    )
    kind = models.CharField("单位类型", max_length=20, choices=DebtorKind.choices)
    level = models.CharField("层级", max_length=10, choices=DebtorLevel.choices)
    region = models.ForeignKey(
        Region, verbose_name="所在地区", on_delete=models.PROTECT, related_name="+"
    )
    # The department that answers for the debtor in the campaign (its staff confirm claims
    # and record repayments for it).
    department = models.ForeignKey(
        Department,
        verbose_name="主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arrears_debtors",
    )
    created_at = models.DateTimeField("登记时间", default=clock.now)

    class Meta:
        verbose_name = "债务人"
        verbose_name_plural = verbose_name
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClaimSource(models.TextChoices):
    MANUAL = "manual", "直接登记"
    IMPORT = "import", "台账导入"
    TICKET = "ticket", "12345 工单"
    PROBLEM = "problem", "督查问题"


class Claim(models.Model):
    """One contract's arrears (欠款)."""

    debtor = models.ForeignKey(
        Debtor, verbose_name="债务人", on_delete=models.PROTECT, related_name="claims"
    )
    # Copied from the debtor when registered, for scope and filters (a debtor's own record
    # is reference data; a claim keeps what it was registered under).
    debtor_kind = models.CharField("债务人类型", max_length=20, choices=DebtorKind.choices)
    debtor_level = models.CharField("债务人层级", max_length=10, choices=DebtorLevel.choices)
    region_code = models.CharField("债务人地区", max_length=6)
    department = models.ForeignKey(
        Department,
        verbose_name="主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arrears_claims",
    )
    creditor = models.ForeignKey(
        Enterprise, verbose_name="债权企业", on_delete=models.PROTECT, related_name="arrears_claims"
    )
    creditor_sme = models.BooleanField("签约时为中小企业", default=True)  # 条例第三条
    source = models.CharField(
        "来源", max_length=10, choices=ClaimSource.choices, default=ClaimSource.MANUAL
    )
    contract_number = models.CharField("合同编号", max_length=100)
    contract_kind = models.CharField("合同类型", max_length=10, choices=ContractKind.choices)
    contract_amount = models.DecimalField("合同金额（元）", max_digits=16, decimal_places=2)
    signed_on = models.DateField("签订日期")
    delivered_on = models.DateField("交付日期", null=True, blank=True)
    acceptance_days = models.PositiveSmallIntegerField("约定验收期限（日）", null=True, blank=True)
    accepted_on = models.DateField("验收合格日期", null=True, blank=True)
    settlement_confirmed_on = models.DateField("结算确认日期", null=True, blank=True)
    agreed_days = models.PositiveSmallIntegerField("约定付款期限（日）", null=True, blank=True)
    agreed_rate = models.DecimalField(
        "约定逾期利率（年，%）", max_digits=6, decimal_places=3, null=True, blank=True
    )
    lpr = models.DecimalField(
        "签约时一年期 LPR（%）", max_digits=5, decimal_places=2, null=True, blank=True
    )
    back_to_back = models.BooleanField("含背靠背条款", default=False)
    non_cash_agreed = models.BooleanField("约定可非现金支付", default=False)
    # The statutory due date (arrears.rules.due_date) and the rule that produced it.
    due_on = models.DateField("法定付款期限")
    due_rule = models.CharField("期限依据", max_length=300)
    due_day = models.IntegerField("付款期限日序")  # due_on.toordinal(): summed in SQL
    daily_rate = models.DecimalField("逾期日利率", max_digits=14, decimal_places=12)
    owed = models.DecimalField("欠款金额（元）", max_digits=16, decimal_places=2)
    disputed = models.DecimalField(
        "有争议金额（元）", default=Decimal(0), max_digits=16, decimal_places=2
    )
    # Recorded repayments not refused by the creditor; of them, those it confirmed.
    repaid = models.DecimalField(
        "已清偿（元）", default=Decimal(0), max_digits=16, decimal_places=2
    )
    confirmed = models.DecimalField(
        "债权人已确认（元）", default=Decimal(0), max_digits=16, decimal_places=2
    )
    balance = models.DecimalField("未清偿余额（元）", max_digits=16, decimal_places=2)
    # Σ amount × max(effective day, due day) over those repayments: with `balance` and
    # `owed`, the interest to any later day is one expression (arrears.rules).
    paid_weighted = models.DecimalField("清偿加权日序", max_digits=26, decimal_places=2, default=0)
    last_paid_day = models.IntegerField("最后清偿日序", null=True, blank=True)
    in_litigation = models.BooleanField("诉讼中", default=False)
    # Still owed (an open state and a balance): overdue is this and a due date passed.
    outstanding = models.BooleanField("未清偿", default=True)
    state = models.CharField("状态", max_length=20, choices=ClaimState.choices)
    version = models.PositiveIntegerField("版本", default=1)
    plan = models.JSONField("还款计划", default=list, blank=True)
    dispute_from = models.CharField("争议前状态", max_length=20, blank=True)
    # 第十六条: the debtor confirms within 30 days of the request.
    confirm_due = models.DateField("确认期限", null=True, blank=True)
    confirm_reminded = models.BooleanField("已催告确认", default=False)
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)
    # The complaint's clocks (第二十四条、第二十五条), when a complaint opened the claim.
    complaint_accepted_on = models.DateField("投诉受理日期", null=True, blank=True)
    complaint_transfer_due = models.DateField("转交期限", null=True, blank=True)
    complaint_department = models.ForeignKey(
        Department,
        verbose_name="投诉处理部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arrears_complaints",
    )
    complaint_received_on = models.DateField("处理部门收到材料日期", null=True, blank=True)
    complaint_result_due = models.DateField("处理结果期限", null=True, blank=True)
    complaint_result_latest = models.DateField("最长处理期限", null=True, blank=True)
    complaint_answered_on = models.DateField("处理结果日期", null=True, blank=True)
    complaint_urged_for = models.DateField("已督办的期限", null=True, blank=True)
    tickets = models.ManyToManyField(
        "tickets.Ticket", verbose_name="关联工单", blank=True, related_name="arrears_claims"
    )
    problems = models.ManyToManyField(
        "supervision.Problem",
        verbose_name="关联督查问题",
        blank=True,
        related_name="arrears_claims",
    )
    registered_at = models.DateTimeField("登记时间")
    repaid_at = models.DateTimeField("清偿确认时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", default=clock.now)
    import_batch = models.CharField("导入批次", max_length=64, blank=True)
    idempotency_key = models.CharField("幂等键", max_length=100, blank=True)
    idempotency_digest = models.CharField("请求摘要", max_length=64, blank=True)

    class Meta:
        verbose_name = "欠款"
        verbose_name_plural = verbose_name
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["region_code", "state"], name="claim_region_state"),
            models.Index(fields=["debtor_kind", "state"], name="claim_kind_state"),
            models.Index(fields=["state", "due_on"], name="claim_state_due"),
            models.Index(fields=["debtor", "state"], name="claim_debtor_state"),
            models.Index(fields=["registered_at"], name="claim_registered"),
            models.Index(fields=["owed"], name="claim_owed"),
            models.Index(fields=["outstanding", "due_on"], name="claim_outstanding_due"),
            models.Index(fields=["due_on"], name="claim_due"),
            models.Index(fields=["last_paid_day"], name="claim_last_paid"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="claim_idempotency",
            ),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="claim_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.debtor_id}"

    @property
    def number(self) -> str:
        """欠款编号: the year registered and the id."""
        return claim_number(self.registered_at, self.pk)

    @property
    def undisputed(self) -> Decimal:
        return max(Decimal(0), self.owed - self.disputed)

    def is_overdue(self, today: dt.date) -> bool:
        return self.state in OPEN_STATES and self.balance > 0 and today > self.due_on


def claim_number(registered_at: dt.datetime | None, pk: int | None) -> str:
    year = registered_at.year if registered_at else clock.now().year
    return f"QK{year}-{pk or 0:06d}"


def parse_claim_number(raw: str) -> int | None:
    text = raw.strip().upper()
    if len(text) >= 9 and text.startswith("QK") and text[6] == "-" and text[7:].isdigit():
        return int(text[7:])
    return None


class Repayment(models.Model):
    """One payment on a claim. It counts against the balance once recorded; the claim is
    repaid only when the creditor confirmed every payment (a refused one stops counting)."""

    claim = models.ForeignKey(
        Claim, verbose_name="欠款", on_delete=models.PROTECT, related_name="repayments"
    )
    paid_on = models.DateField("清偿日期")
    # A bill or voucher counts as paid when it matures (第十一条: never extends the term).
    matures_on = models.DateField("票据到期日", null=True, blank=True)
    effective_day = models.IntegerField("计息截止日序")  # max(paid, matures, due).toordinal()
    days_overdue = models.PositiveIntegerField("清偿时逾期天数", default=0)
    amount = models.DecimalField("金额（元）", max_digits=16, decimal_places=2)
    method = models.CharField("清偿方式", max_length=10, choices=RepaymentMethod.choices)
    offset_detail = models.CharField("抵顶内容", max_length=300, blank=True)
    document = models.CharField("文书编号", max_length=100, blank=True)
    note = models.CharField("说明", max_length=1000, blank=True)
    status = models.CharField(
        "确认状态",
        max_length=10,
        choices=RepaymentStatus.choices,
        default=RepaymentStatus.RECORDED,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField("确认时间", null=True, blank=True)
    answer_note = models.CharField("确认意见", max_length=1000, blank=True)

    class Meta:
        verbose_name = "清偿记录"
        verbose_name_plural = verbose_name
        ordering = ["claim", "paid_on", "id"]
        indexes = [models.Index(fields=["paid_on"], name="repayment_paid")]

    def __str__(self) -> str:
        return f"{self.paid_on:%Y-%m-%d} {self.amount}"

    @property
    def counts(self) -> bool:
        return self.status != RepaymentStatus.REJECTED


class ClaimFile(StoredFile):
    """The contract and settlement papers, repayment evidence, the creditor's written
    confirmation, dispute papers; the SHA-256 is also in the ledger event that brought it."""

    claim = models.ForeignKey(
        Claim, verbose_name="欠款", on_delete=models.PROTECT, related_name="files"
    )
    repayment = models.ForeignKey(
        Repayment,
        verbose_name="清偿记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="files",
    )
    kind = models.CharField("材料类型", max_length=20, choices=FileKind.choices)
    action = models.CharField("随操作", max_length=30, blank=True)
    file = models.FileField("文件", upload_to="arrears/%Y/%m/")

    class Meta:
        verbose_name = "欠款材料"
        verbose_name_plural = verbose_name


class ClaimTally(models.Model):
    """What the KPIs and the ledger's totals add up, kept by adding in the transaction of
    every change (arrears.tally): per debtor and what a list filters on (its region, kind
    and level as the claims carry them, the state, litigation, a disputed amount, still
    owed), the
    claims' count and money, and the interest's two linear terms (Σ rate × balance and
    Σ rate × (paid_weighted − owed × due_day)), so a day's interest is one expression."""

    debtor = models.ForeignKey(
        Debtor, verbose_name="债务人", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("债务人地区", max_length=6)
    debtor_kind = models.CharField("债务人类型", max_length=20)
    debtor_level = models.CharField("债务人层级", max_length=10)
    state = models.CharField("状态", max_length=20)
    in_litigation = models.BooleanField("诉讼中")
    has_dispute = models.BooleanField("有争议金额")
    outstanding = models.BooleanField("未清偿")
    n = models.IntegerField("笔数", default=0)
    owed = models.DecimalField("欠款", max_digits=20, decimal_places=2, default=0)
    repaid = models.DecimalField("已清偿", max_digits=20, decimal_places=2, default=0)
    confirmed = models.DecimalField("债权人已确认", max_digits=20, decimal_places=2, default=0)
    disputed_amount = models.DecimalField("有争议", max_digits=20, decimal_places=2, default=0)
    balance = models.DecimalField("余额", max_digits=20, decimal_places=2, default=0)
    undisputed_owed = models.DecimalField("无分歧欠款", max_digits=20, decimal_places=2, default=0)
    undisputed_repaid = models.DecimalField(
        "无分歧已清偿", max_digits=20, decimal_places=2, default=0
    )
    r_balance = models.DecimalField("利率×余额", max_digits=34, decimal_places=14, default=0)
    r_const = models.DecimalField("利率×常数项", max_digits=40, decimal_places=14, default=0)

    class Meta:
        verbose_name = "欠款统计累计"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "debtor",
                    "region_code",
                    "debtor_kind",
                    "debtor_level",
                    "state",
                    "in_litigation",
                    "has_dispute",
                    "outstanding",
                ],
                name="claim_tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.state}: {self.n}"


class RepaymentTally(models.Model):
    """The repayments by how late they were (the median days overdue at payment), per 盟市
    (the first four digits of the debtor's region), kind and level, and whether the claim
    counts in the campaign (not in litigation, not written off)."""

    city = models.CharField("盟市", max_length=4)
    debtor_kind = models.CharField("债务人类型", max_length=20)
    debtor_level = models.CharField("债务人层级", max_length=10)
    campaign = models.BooleanField("计入清欠")
    days_overdue = models.IntegerField("逾期天数")
    n = models.IntegerField("笔数", default=0)
    amount = models.DecimalField("金额", max_digits=20, decimal_places=2, default=0)

    class Meta:
        verbose_name = "清偿统计累计"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["city", "debtor_kind", "debtor_level", "campaign", "days_overdue"],
                name="repayment_tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.days_overdue}: {self.n}"
