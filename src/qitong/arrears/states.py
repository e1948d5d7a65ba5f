"""The arrears domain's status sets (issue 14): who owes (debtor kinds and levels), the
contract's kind, the claim's clearance cycle, and how a repayment was made."""

from __future__ import annotations

from django.db import models


class DebtorKind(models.TextChoices):
    """The payer's kind decides the statutory term (条例第九条)."""

    ORGAN = "organ", "机关"
    INSTITUTION = "institution", "事业单位"
    SOE_LARGE = "soe_large", "国有大型企业"
    LARGE = "large", "大型企业"
    ASSOCIATION = "association", "团体组织"


PUBLIC_BODIES = frozenset({DebtorKind.ORGAN, DebtorKind.INSTITUTION})
LARGE_ENTERPRISES = frozenset({DebtorKind.SOE_LARGE, DebtorKind.LARGE})


class DebtorLevel(models.TextChoices):
    REGION = "region", "自治区"
    CITY = "city", "盟市"
    COUNTY = "county", "旗县"


class ContractKind(models.TextChoices):
    GOODS = "goods", "货物"
    WORKS = "works", "工程"
    SERVICES = "services", "服务"


class ClaimState(models.TextChoices):
    REGISTERED = "registered", "已登记"  # entered from a ledger, a complaint or an inspection
    VERIFIED = "verified", "已核实"  # the debtor confirmed it, or the supervisor verified it
    PLANNED = "planned", "已制定还款计划"  # the debtor committed to dated instalments
    PARTLY_REPAID = (
        "partly_repaid",
        "部分清偿",
    )  # repayments recorded, a balance or a confirmation open
    REPAID = "repaid", "已清偿"  # nothing owed, every repayment confirmed by the creditor
    CLOSED = "closed", "已办结"  # the supervisor closed the case
    DISPUTED = "disputed", "有争议"  # part of the amount is contested (the rest is still payable)
    MEDIATION = "mediation", "调解中"
    LITIGATION = "litigation", "诉讼中"  # kept, but outside the campaign's figures
    WRITTEN_OFF = "written_off", "已核销"  # removed with a documented reason by the supervisor


OPEN_STATES = frozenset(
    set(ClaimState) - {ClaimState.REPAID, ClaimState.CLOSED, ClaimState.WRITTEN_OFF}
)
FINAL_STATES = frozenset({ClaimState.CLOSED, ClaimState.WRITTEN_OFF})
DISPUTE_STATES = frozenset({ClaimState.DISPUTED, ClaimState.MEDIATION, ClaimState.LITIGATION})
# Where money may still be paid (the undisputed part even in a dispute: 条例第十五条).
PAYABLE_STATES = frozenset(OPEN_STATES)


class RepaymentMethod(models.TextChoices):
    TRANSFER = "transfer", "转账"
    OFFSET = "offset", "抵顶"  # e.g. against land-transfer fees (抵顶土地出让金)
    BILL = "bill", "商业汇票"
    E_VOUCHER = "e_voucher", "应收账款电子凭证"
    ASSET = "asset", "资产抵偿"
    OTHER = "other", "其他"


# Settled other than in cash: only if the contract agreed it, never to extend the term (第十一条).
NON_CASH = frozenset({RepaymentMethod.BILL, RepaymentMethod.E_VOUCHER})


class RepaymentStatus(models.TextChoices):
    RECORDED = "recorded", "待债权人确认"
    CONFIRMED = "confirmed", "债权人已确认"
    REJECTED = "rejected", "债权人不认可"  # not received: no longer counted


class FileKind(models.TextChoices):
    CONTRACT = "contract", "合同及结算材料"
    EVIDENCE = "evidence", "清偿凭证"
    CONFIRMATION = "confirmation", "债权人确认书"
    DISPUTE = "dispute", "争议材料"
    DOCUMENT = "document", "文书"
    OTHER = "other", "其他"
