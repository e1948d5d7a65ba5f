"""The typed input of every ticket action (tickets.transitions names one per action).

The service validates with these, the API documents each action's body from them, the page
forms render their fields from them. Database checks (does the department exist, is the
master ticket in reach) stay with the handlers.
"""

from __future__ import annotations

from typing import ClassVar

from qitong.tickets.states import ReplyResult, Satisfaction
from qitong.workflow.inputs import Choice, Flag, Id, Input, NoInput, Number, Ref, Refs, Text

MAX_EXTENSION_DAYS = 30
MAX_CITED = 5
LANGUAGES = {"zh": "汉语", "mn": "蒙古语"}

SATISFACTION_WORDS = "应为 1（非常不满意）到 5（非常满意）"


class RegisterIn(NoInput):
    pass


class RejectIn(Input):
    reason: str = Text("不予受理的理由")
    hint: ClassVar[str] = "理由将告知企业。"


class AnswerIn(Input):
    answer: str = Text("答复内容", rows=6)
    articles: list[Id] = Refs(
        "依据的知识", max_items=MAX_CITED, hint="答复所依据的知识（已发布知识的编号）"
    )
    no_article: bool | None = Flag(
        "知识库中没有合适的知识", hint="勾选后计入知识缺口报告，由维护单位补充知识"
    )
    hint: ClassVar[str] = "即时解答后转入待回访（首呼解决）。"


class SpecialistReplyIn(AnswerIn):
    hint: ClassVar[str] = "答复后由专席回访。"


class ReferIn(Input):
    specialist: int | None = Ref(
        "政策专员",
        required=False,
        hint="不选则按分派步骤自动邀请：企业的一对一专员 → 同领域本盟市 → 同领域全区",
    )
    domain: str = Text("咨询领域", required=False, rows=1, max_length=40, record=False)
    language: str | None = Choice(
        "服务语言",
        list(LANGUAGES.items()),
        required=False,
        invalid="服务语言应为 zh（汉语）或 mn（蒙古语）",
    )
    hint: ClassVar[str] = "专员须在等待时间内接受，超时或谢绝则转下一位；都无人接收时退回专席。"


class AcceptOfferIn(NoInput):
    pass


class DeclineOfferIn(Input):
    reason: str = Text("谢绝理由", rows=2)
    hint: ClassVar[str] = "谢绝后系统立即邀请下一位专员。"


class RerouteIn(Input):
    note: str = Text("改派说明", required=False, rows=2)
    hint: ClassVar[str] = "撤回当前邀请，按分派步骤邀请下一位专员。"


class DispatchIn(Input):
    department: int | None = Ref("主办单位", missing="请选择承办单位")
    assisting: list[Id] = Refs("协办单位", hint="可不选；按住 Ctrl 可多选")
    hint: ClassVar[str] = "先在筛选框输入单位名称的一部分，再用 ↓ 选择主办单位。"


class SignIn(NoInput):
    pass


class RequestReturnIn(Input):
    reason: str = Text("退单理由")
    legal_basis: str = Text("退单依据（法律法规或职责文件）", rows=2)
    hint: ClassVar[str] = "须写明不属于本单位职责的法律法规或职责文件依据，由班长审批。"


class ApproveReturnIn(Input):
    note: str = Text("审批意见", required=False, rows=2)
    hint: ClassVar[str] = "同意后工单回到待派单，由专席重新派单。"


class RefuseReturnIn(Input):
    note: str = Text("驳回理由", rows=2)


class RequestExtensionIn(Input):
    days: int | None = Number(
        "延期工作日数",
        ge=1,
        le=MAX_EXTENSION_DAYS,
        missing="请填写延期的工作日数",
        invalid=f"延期工作日数应在 1 到 {MAX_EXTENSION_DAYS} 之间",
        hint=f"1–{MAX_EXTENSION_DAYS} 个工作日",
    )
    reason: str = Text("延期理由")
    hint: ClassVar[str] = "由班长审批；同意后答复时限顺延并告知企业。"


class ApproveExtensionIn(Input):
    note: str = Text("审批意见", required=False, rows=2)
    hint: ClassVar[str] = "同意后答复时限顺延并告知企业。"


class RefuseExtensionIn(Input):
    note: str = Text("驳回理由", rows=2)


class SuspendIn(Input):
    reason: str = Text("需企业补充的材料")
    hint: ClassVar[str] = "挂起期间不计时；企业会收到补充材料的通知。"


class ResumeIn(Input):
    note: str = Text("说明", required=False, rows=2)


class AssistIn(Input):
    opinion: str = Text("协办意见", rows=5)
    hint: ClassVar[str] = "意见反馈给主办单位，由主办单位统一答复企业。"


class ReplyIn(Input):
    result: str | None = Choice(
        "办理结果",
        ReplyResult.choices,
        invalid="请选择办理结果：" + "、".join(str(label) for label in ReplyResult.labels),
    )
    explanation: str = Text("答复说明", rows=5)
    hint: ClassVar[str] = "答复经班长审核后告知企业并回访。"


class ApproveReplyIn(Input):
    explanation: str = Text("答复说明（可修改后通过）", required=False, rows=6)
    note: str = Text("审签意见", required=False, rows=2)
    hint: ClassVar[str] = "通过后答复提交专席审核，答复稿附件随之对企业可见。"


class RefuseReplyIn(Input):
    note: str = Text("退回意见", rows=2)


class AcceptReplyIn(Input):
    note: str = Text("审核意见", required=False, rows=2)
    hint: ClassVar[str] = "通过后转入待回访。"


class SendBackIn(Input):
    note: str = Text("退回重办的理由", rows=2)


class CallbackIn(Input):
    satisfaction: int | None = Choice(
        "满意度", Satisfaction.choices, integer=True, invalid=f"满意度{SATISFACTION_WORDS}"
    )
    resolved: bool | None = Flag("问题是否解决", required=True, invalid="请选择问题是否解决")
    note: str = Text("回访记录", required=False, rows=2)
    hint: ClassVar[str] = "基本满意及以上即办结；不满意的由专席重办或班长说明理由后办结。"


class RedoIn(Input):
    note: str = Text("重办要求", rows=2)


class CloseIn(Input):
    reason: str = Text("不满意仍办结的理由", rows=2)


class MergeIn(Input):
    into: int | None = Ref("并入的主工单", missing="请填写要并入的主工单（须在您的辖区内）")
    hint: ClassVar[str] = "重复诉求并入主工单后不再单独办理。"


class WithdrawIn(Input):
    reason: str = Text("撤单原因", required=False, rows=2)
    hint: ClassVar[str] = "撤单后工单不再办理。"


class SupplementIn(Input):
    note: str = Text("补充说明", rows=4)
    hint: ClassVar[str] = "承办单位收到后恢复办理。"


class RateIn(Input):
    rating: int | None = Choice(
        "您对办理结果的评价",
        Satisfaction.choices,
        integer=True,
        invalid=f"评价{SATISFACTION_WORDS}",
    )
    comment: str = Text("评价意见", required=False)
    hint: ClassVar[str] = "每件诉求可评价一次。"


class RemindIn(Input):
    note: str = Text("催办说明", required=False, rows=2)


class EscalateIn(Input):
    note: str = Text("督办说明", required=False, rows=2)


class ReassignIn(Input):
    department: int | None = Ref("改派至", missing="请选择承办单位")
    reason: str = Text("改派原因", required=False, rows=2)


class PromoteIn(Input):
    """A ticket becomes a supervision problem (issue 13): the problem's first facts; the
    category and the unit are checked against their tables by the promoting handler."""

    unit_department: int | None = Ref("责任单位", missing="请选择责任单位")
    problem_class: str | None = Choice(
        "问题等级", (("A", "A 类"), ("B", "B 类"), ("C", "C 类")), invalid="问题等级应为 A、B 或 C"
    )
    category: str = Text(
        "问题类别", required=False, rows=1, max_length=40, hint="不填沿用工单的问题类别"
    )
    title: str = Text("问题标题", required=False, rows=1, max_length=200, hint="不填沿用工单标题")
    leader: str = Text("责任领导", required=False, rows=1, max_length=50)
    note: str = Text("转办说明", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "转为督查问题，按整改销号闭环管理；问题销号后告知企业整改结果。"
    aliases: ClassVar[dict[str, str]] = {"class": "problem_class"}


class ProblemResultIn(Input):
    """The result of the supervision problem a ticket was promoted to (the system writes it)."""

    result: str = Text("整改结果", rows=2, max_length=2000)
