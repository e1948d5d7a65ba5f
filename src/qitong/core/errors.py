"""Domain errors: a stable `code` for the API, a message a person can act on, per-field detail.

Services raise these; the API turns them into `{"code", "message", "fields"}` with `status`,
the web views turn them into form errors. Never a 500 for something the user can fix.
"""

from __future__ import annotations


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
