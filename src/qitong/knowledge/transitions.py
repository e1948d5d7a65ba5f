"""The knowledge article's state machine on the workflow core: the owning department drafts
and submits, its leader (or an administrator) publishes a new version and withdraws; the
system publishes for the demo loader. The article page and the API offer exactly
`allowed_actions(article, actor)`. No ORM here."""

from __future__ import annotations

from typing import Any, ClassVar

from qitong.accounts.roles import Role
from qitong.knowledge.models import ArticleState
from qitong.workflow.inputs import Input, NoInput, Text
from qitong.workflow.machine import (
    STAY,
    SYSTEM_ROLE,
    Handler,
    Machine,
    Relation,
    anyone,
    transition,
)

A = ArticleState


def own_department(article: Any, actor: Any) -> bool:
    """Department staff act on their own department's articles only."""
    return actor.department_id is not None and actor.department_id == article.department_id


def not_in_review(article: Any) -> str | None:
    return "知识正在审核中，审核完成后再修改" if article.state == A.IN_REVIEW else None


EDITORS: dict[str, Relation] = {
    Role.HANDLER: own_department,
    Role.DEPT_LEADER: own_department,
    Role.ADMIN: anyone,
}
PUBLISHERS: dict[str, Relation] = {
    Role.DEPT_LEADER: own_department,
    Role.ADMIN: anyone,
    SYSTEM_ROLE: anyone,  # the demo loader and imports publish as the system
}


class UpdateIn(NoInput):
    """The edit form's fields are the article's own (knowledge.services.ArticleInput, shared
    with the Excel import), checked by the handler."""

    hint: ClassVar[str] = "修改工作稿；已发布的知识在重新发布前仍按原版本答复。"


class SubmitIn(NoInput):
    hint: ClassVar[str] = "提交后由本单位部门领导审核发布。"


class PublishIn(NoInput):
    hint: ClassVar[str] = "工作稿冻结为新版本，检索和推荐即时生效；旧版本仍供引用它的工单查阅。"


class WithdrawIn(Input):
    reason: str = Text("撤回理由", rows=1, max_length=500)
    hint: ClassVar[str] = "撤回后不再出现在检索中。"


ARTICLE: Machine[Handler] = Machine(
    name="knowledge.article",
    state_labels=dict(ArticleState.choices),
    subject_label="知识",
    transitions=[
        # A published article keeps its live version while its working copy is edited.
        transition(
            "update",
            "修改",
            {A.DRAFT, A.IN_REVIEW, A.PUBLISHED, A.WITHDRAWN},
            (A.DRAFT, STAY),
            EDITORS,
            input=UpdateIn,
            guard=not_in_review,
        ),
        transition(
            "submit", "提交审核", {A.DRAFT}, A.IN_REVIEW, EDITORS, input=SubmitIn, primary=True
        ),
        # Publishing again freezes the edited working copy as the next version.
        transition(
            "publish",
            "发布",
            {A.DRAFT, A.IN_REVIEW, A.PUBLISHED},
            A.PUBLISHED,
            PUBLISHERS,
            input=PublishIn,
            primary=True,
        ),
        transition(
            "withdraw",
            "撤回",
            {A.PUBLISHED},
            A.WITHDRAWN,
            PUBLISHERS,
            input=WithdrawIn,
            danger=True,
        ),
    ],
)


def allowed_actions(article: Any, actor: Any) -> list[str]:
    return ARTICLE.allowed(article, actor)
