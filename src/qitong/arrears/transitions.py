"""The claim's machine on the workflow core (issue 14; no ORM here, so every state x action x
role is tested without a database).

Who acts:
- the supervisor (督查/清欠 office) whose region covers the debtor's: verifies, records and
  corrects, decides disputes, closes, writes off, runs the complaint's clocks;
- the debtor's department (the staff of the department that answers for the debtor):
  confirms the claim (条例第十六条), files a repayment plan, records repayments, disputes;
- the creditor enterprise confirms each repayment or says it never arrived: a claim is
  repaid only when the creditor confirmed every payment;
- the complaint's handling department answers the complaint; the system urges (督办书) when
  a complaint's clock ran out, once per deadline.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from qitong.accounts.roles import Role
from qitong.arrears.states import DISPUTE_STATES, OPEN_STATES, ClaimState, RepaymentMethod
from qitong.workflow.inputs import Choice, Day, Input, Money, Number, Ref, Steps, Text
from qitong.workflow.machine import (
    STAY,
    SYSTEM_ROLE,
    Handler,
    Machine,
    Relation,
    anyone,
    transition,
)

C = ClaimState


def supervises(claim: Any, actor: Any) -> bool:
    prefix = actor.region_prefix
    return prefix is None or str(claim.region_code).startswith(prefix)


def debtor_staff(claim: Any, actor: Any) -> bool:
    return actor.department_id is not None and actor.department_id == claim.department_id


def complaint_staff(claim: Any, actor: Any) -> bool:
    return actor.department_id is not None and actor.department_id == claim.complaint_department_id


def creditor(claim: Any, actor: Any) -> bool:
    return actor.enterprise_id is not None and actor.enterprise_id == claim.creditor_id


SUPERVISOR: dict[str, Relation] = {Role.SUPERVISOR: supervises}
DEBTOR: dict[str, Relation] = {Role.HANDLER: debtor_staff, Role.DEPT_LEADER: debtor_staff}
CREDITOR: dict[str, Relation] = {Role.ENTERPRISE: creditor}
HANDLING: dict[str, Relation] = {Role.HANDLER: complaint_staff, Role.DEPT_LEADER: complaint_staff}
SYSTEM: dict[str, Relation] = {SYSTEM_ROLE: anyone}


# --- guards ---------------------------------------------------------------------------------


def has_balance(claim: Any) -> str | None:
    return None if claim.balance > 0 else "该欠款已无未清偿余额"


def has_unconfirmed(claim: Any) -> str | None:
    return None if claim.repaid > claim.confirmed else "没有待债权人确认的清偿记录"


def complaint_to_transfer(claim: Any) -> str | None:
    if claim.complaint_accepted_on is None:
        return "该欠款不是由投诉受理的"
    if claim.complaint_received_on is not None:
        return "投诉已转交处理部门"
    return None


def complaint_pending(claim: Any) -> str | None:
    if claim.complaint_received_on is None:
        return "投诉尚未转交处理部门"
    if claim.complaint_answered_on is not None:
        return "处理部门已答复投诉"
    return None


def not_reminded(claim: Any) -> str | None:
    return "已催告债务人确认" if claim.confirm_reminded else None


def no_open_complaint(claim: Any) -> str | None:
    if claim.complaint_accepted_on is not None and claim.complaint_answered_on is None:
        return "该欠款的投诉正在处理中"
    return None


def complaint_open(claim: Any) -> str | None:
    if claim.complaint_accepted_on is None:
        return "该欠款不是由投诉受理的"
    if claim.complaint_answered_on is not None:
        return "处理部门已答复投诉"
    return None


# --- inputs -----------------------------------------------------------------------------------


class VerifyIn(Input):
    owed: Decimal | None = Money(
        "核实欠款金额", required=False, hint="与登记金额不同时填写；原金额留档"
    )
    note: str = Text("核实意见", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "债务人确认或督查人员核实欠款（条例第十六条：30 日内确认）。"


class DisputeIn(Input):
    disputed: Decimal | None = Money("有争议金额")
    reason: str = Text("争议理由", rows=3, max_length=2000)
    hint: ClassVar[str] = "部分金额有争议的，无争议部分仍应及时支付（条例第十五条）。"


class MediateIn(Input):
    mediator: str = Text("调解组织", required=False, rows=1, max_length=100)
    note: str = Text("调解说明", rows=2, max_length=2000)
    hint: ClassVar[str] = "交由调解组织调解争议。"


class LitigateIn(Input):
    court: str = Text("受理机关", rows=1, max_length=100, hint="人民法院或仲裁委员会")
    case_number: str = Text("案号", required=False, rows=1, max_length=100)
    note: str = Text("说明", required=False, rows=2, max_length=2000)
    hint: ClassVar[str] = "进入诉讼或仲裁的欠款保留在台账，但不计入清欠进度统计。"


class ResolveDisputeIn(Input):
    owed: Decimal | None = Money("确定的欠款金额", hint="调解、判决或协商确定的应付金额")
    outcome: str = Text("解决结果", rows=3, max_length=2000)
    hint: ClassVar[str] = "争议解决后按确定的金额继续清偿；原金额留档。"


class PlanIn(Input):
    plan: list[dict[str, str]] = Steps(
        "还款计划", hint="每行一项：日期 内容，如 2026-12-31 支付 100 万元"
    )
    note: str = Text("说明", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "债务人承诺的分期还款安排；再次提交即修订计划。"


class RepayIn(Input):
    paid_on: dt.date | None = Day("清偿日期")
    amount: Decimal | None = Money("清偿金额")
    method: str | None = Choice("清偿方式", RepaymentMethod.choices)
    offset_detail: str = Text(
        "抵顶内容", required=False, rows=2, max_length=300, hint="抵顶时必填，如抵顶土地出让金"
    )
    document: str = Text("文书编号", required=False, rows=1, max_length=100)
    matures_on: dt.date | None = Day(
        "票据到期日", required=False, hint="商业汇票、电子凭证的到期日（据此计算是否逾期）"
    )
    note: str = Text("说明", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "登记一笔清偿并上传凭证；债权人确认后计为已清偿。"


class ConfirmRepaymentIn(Input):
    repayment: int | None = Ref("清偿记录")
    note: str = Text("确认意见", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "债权企业确认收到该笔清偿；督查人员代为确认须上传债权人确认书。"


class RejectRepaymentIn(Input):
    repayment: int | None = Ref("清偿记录")
    reason: str = Text("不认可理由", rows=2, max_length=1000)
    hint: ClassVar[str] = "债权企业未收到或不认可该笔清偿：该笔不再计入已清偿。"


class CloseIn(Input):
    note: str = Text("办结意见", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "欠款已全部清偿并经债权人确认，办结。"


class WriteOffIn(Input):
    reason: str = Text("核销理由", rows=3, max_length=2000)
    document: str = Text("核销依据文书", rows=1, max_length=100)
    hint: ClassVar[str] = "确无法清偿的（如债权企业注销、经裁判确认无需支付），附文书核销。"


class CorrectIn(Input):
    owed: Decimal | None = Money("更正后欠款金额", required=False)
    disputed: Decimal | None = Money("更正后有争议金额", required=False)
    reason: str = Text("更正理由", rows=2, max_length=1000)
    corrects: int | None = Number(
        "更正的台账记录序号", required=False, ge=1, le=1_000_000, hint="被更正的那条记录的序号"
    )
    hint: ClassVar[str] = "金额登记有误时更正：原值和新值都记入台账，不覆盖历史。"


class TransferComplaintIn(Input):
    department: int | None = Ref("处理部门")
    received_on: dt.date | None = Day("处理部门收到材料日期", required=False, hint="默认今天")
    note: str = Text("转交说明", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "受理投诉后 10 个工作日内转交处理部门（条例第二十四条）。"


class ExtendComplaintIn(Input):
    result_due: dt.date | None = Day("延长至")
    reason: str = Text("延长理由", rows=2, max_length=1000)
    hint: ClassVar[str] = "处理期限 30 日，经批准可延长，最长不超过 90 日（条例第二十五条）。"


class AnswerComplaintIn(Input):
    result: str = Text("处理结果", rows=4, max_length=5000)
    hint: ClassVar[str] = "处理部门将处理结果告知投诉企业。"


class RemindConfirmationIn(Input):
    note: str = Text("催告说明", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = (
        "债务人应在收到确认请求后 30 日内确认欠款（条例第十六条），逾期未确认的催告一次。"
    )


class ComplainIn(Input):
    content: str = Text("投诉内容", rows=5, max_length=4000)
    hint: ClassVar[str] = (
        "向 12345 投诉该笔欠款（反映问题 · 拖欠企业账款）：受理后 10 个工作日内转交处理部门，"
        "处理部门 30 日内答复（条例第二十四条、第二十五条）。"
    )


class UrgeIn(Input):
    note: str = Text("督办意见", rows=2, max_length=2000)
    document: str = Text("督办书编号", required=False, rows=1, max_length=100)
    hint: ClassVar[str] = "投诉逾期未转交或未答复的，发督办书。"


# --- the machine ------------------------------------------------------------------------------

BEFORE_REPAID = {C.REGISTERED, C.VERIFIED, C.PLANNED, C.PARTLY_REPAID}
CONFIRMABLE = {C.PARTLY_REPAID, *DISPUTE_STATES}

CLAIM: Machine[Handler] = Machine(
    name="arrears.claim",
    state_labels=dict(ClaimState.choices),
    subject_label="欠款",
    transitions=[
        transition(
            "verify",
            "核实确认",
            {C.REGISTERED},
            C.VERIFIED,
            {**SUPERVISOR, **DEBTOR},
            input=VerifyIn,
            primary=True,
        ),
        transition(
            "plan",
            "制定还款计划",
            {C.VERIFIED, C.PLANNED, C.PARTLY_REPAID},
            (C.PLANNED, STAY),
            {**SUPERVISOR, **DEBTOR},
            input=PlanIn,
        ),
        transition(
            "repay",
            "登记清偿",
            OPEN_STATES,
            (C.PARTLY_REPAID, STAY),
            {**SUPERVISOR, **DEBTOR},
            input=RepayIn,
            guard=has_balance,
            primary=True,
        ),
        transition(
            "confirm_repayment",
            "确认清偿",
            CONFIRMABLE,
            (C.REPAID, STAY),
            {**CREDITOR, **SUPERVISOR},
            input=ConfirmRepaymentIn,
            guard=has_unconfirmed,
            primary=True,
            public="确认收到清偿",
        ),
        transition(
            "reject_repayment",
            "不认可清偿",
            CONFIRMABLE,
            (STAY, C.REGISTERED, C.VERIFIED, C.PLANNED),
            {**CREDITOR, **SUPERVISOR},
            input=RejectRepaymentIn,
            guard=has_unconfirmed,
            public="不认可清偿",
        ),
        transition(
            "dispute",
            "登记争议",
            BEFORE_REPAID,
            C.DISPUTED,
            {**SUPERVISOR, **DEBTOR},
            input=DisputeIn,
        ),
        transition("mediate", "转入调解", {C.DISPUTED}, C.MEDIATION, SUPERVISOR, input=MediateIn),
        transition(
            "litigate",
            "转入诉讼",
            {C.DISPUTED, C.MEDIATION},
            C.LITIGATION,
            SUPERVISOR,
            input=LitigateIn,
        ),
        transition(
            "resolve_dispute",
            "争议解决",
            DISPUTE_STATES,
            (C.REGISTERED, C.VERIFIED, C.PLANNED, C.PARTLY_REPAID, C.REPAID),
            SUPERVISOR,
            input=ResolveDisputeIn,
            primary=True,
        ),
        transition("close", "办结", {C.REPAID}, C.CLOSED, SUPERVISOR, input=CloseIn, primary=True),
        transition(
            "write_off",
            "核销",
            OPEN_STATES,
            C.WRITTEN_OFF,
            SUPERVISOR,
            input=WriteOffIn,
            danger=True,
        ),
        transition(
            "correct", "更正金额", OPEN_STATES | {C.REPAID}, STAY, SUPERVISOR, input=CorrectIn
        ),
        transition(
            "transfer_complaint",
            "转交投诉",
            OPEN_STATES,
            STAY,
            SUPERVISOR,
            input=TransferComplaintIn,
            guard=complaint_to_transfer,
        ),
        transition(
            "extend_complaint",
            "延长处理期限",
            OPEN_STATES,
            STAY,
            SUPERVISOR,
            input=ExtendComplaintIn,
            guard=complaint_pending,
        ),
        transition(
            "answer_complaint",
            "答复投诉",
            set(ClaimState),
            STAY,
            {**HANDLING, **SUPERVISOR},
            input=AnswerComplaintIn,
            guard=complaint_pending,
            public="投诉处理结果",
        ),
        transition(
            "remind_confirmation",
            "催告确认",
            {C.REGISTERED},
            STAY,
            {**SUPERVISOR, **SYSTEM},
            input=RemindConfirmationIn,
            guard=not_reminded,
        ),
        transition(
            "complain",
            "投诉拖欠",
            OPEN_STATES,
            STAY,
            CREDITOR,
            input=ComplainIn,
            guard=no_open_complaint,
            public="投诉拖欠",
        ),
        transition(
            "urge",
            "发督办书",
            OPEN_STATES,
            STAY,
            {**SUPERVISOR, **SYSTEM},
            input=UrgeIn,
            guard=complaint_open,
        ),
    ],
)

OTHER_EVENTS = {"create": "登记欠款", "import": "台账导入", "link": "关联工单或问题"}


def event_label(action: str) -> str:
    return OTHER_EVENTS.get(action) or CLAIM.label(action)
