"""Domain errors: a stable `code` for the API, a message a person can act on, per-field detail.

Services raise these; the API turns them into `{"code", "message", "fields"}` with `status`,
the web views turn them into form errors. Never a 500 for something the user can fix.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    status = 400
    default_message = "操作未能完成"

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.fields = fields or {}
        if code:
            self.code = code
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """Input is wrong; `fields` names each bad field. Nothing was changed."""

    code = "invalid"
    status = 422
    default_message = "提交的内容有误，请按提示修改"


class NotFound(DomainError):
    """Missing or outside the caller's scope — deliberately indistinguishable."""

    code = "not_found"
    status = 404
    default_message = "未找到该对象，或您无权查看"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = "您的角色不能执行此操作"


class Conflict(DomainError):
    """The object changed under the caller, or the action is not allowed in its current state."""

    code = "conflict"
    status = 409
    default_message = "该对象已被他人修改或当前状态不允许此操作，请刷新后重试"


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = "操作过于频繁，请稍后再试"


# pydantic's own error kinds, in our words (our validators raise their Chinese message, which
# is kept as it is). Shared by the API's 422 and the workflow core's typed inputs.
def field_message(err: Any) -> str:
    """The Chinese message of one pydantic error (`ValidationError.errors()` item)."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind == "string_too_long":
        return f"过长（最多 {ctx.get('max_length')} 个字符）"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字符"
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if kind == "too_short":
        return f"至少 {ctx.get('min_length')} 项"
    if kind in ("greater_than_equal", "greater_than"):
        return f"应不小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"应不大于 {ctx.get('le', ctx.get('lt'))}"
    if kind in ("text_type", "list_type") and "msg" in err and not str(err["msg"]).isascii():
        return str(err["msg"])
    if kind == "string_pattern_mismatch" or kind.endswith(("_parsing", "_type")):
        return "格式不正确"
    if kind in ("enum", "literal_error"):
        return f"取值无效：{ctx.get('expected', '')}"
    if kind in ("int_from_float", "int_parsing_size"):
        return "应为整数"
    msg = str(err.get("msg", "无效")).removeprefix("Value error, ")
    return msg if not msg.isascii() else "格式不正确"
