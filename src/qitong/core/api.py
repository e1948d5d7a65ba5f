"""The API base: one NinjaAPI under /api/v1, bearer-token or session auth, one error shape.

Every error answers `{"code": str, "message": str, "fields": {name: message}}`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import SessionAuth

from qitong.accounts.auth import BearerTokenAuth
from qitong.core.errors import DomainError, NotFound, ValidationFailed


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}


api = NinjaAPI(
    title="企通 qitong API",
    version="1",
    description="企业服务专席、工单闭环与营商环境监督的开放接口。错误统一为 {code, message, fields}。",
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja locations look like ("body", "payload", "credit_code") or ("query", "region").
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header", "payload")]
    return ".".join(parts) or "__all__"


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for err in exc.errors:
        fields.setdefault(_field_name(err.get("loc", ())), _pydantic_message(err))
    return error_response(
        request, 422, ValidationFailed.code, ValidationFailed.default_message, fields
    )


def _pydantic_message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "必填"
    if kind in {"string_too_long"}:
        return f"过长（最多 {err.get('ctx', {}).get('max_length')} 个字符）"
    if kind.endswith("_parsing") or kind.endswith("_type"):
        return "格式不正确"
    if kind == "enum" or kind == "literal_error":
        return f"取值无效：{err.get('ctx', {}).get('expected', '')}"
    msg = str(err.get("msg", "无效"))
    return msg.removeprefix("Value error, ")


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        fields = {name: " ".join(errs[0].messages) for name, errs in exc.error_dict.items()}
    else:
        fields = {"__all__": " ".join(exc.messages)}
    return error_response(
        request, 422, ValidationFailed.code, ValidationFailed.default_message, fields
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, NotFound.code, NotFound.default_message)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthenticated", "请先登录，或提供有效的访问令牌")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "http_error", str(exc))


def _register_routers() -> None:
    from qitong.accounts.api import router as accounts_router
    from qitong.directory.api import router as directory_router
    from qitong.enterprises.api import router as enterprises_router
    from qitong.knowledge.api import router as knowledge_router
    from qitong.routing.api import router as routing_router
    from qitong.tickets.api import router as tickets_router

    api.add_router("", accounts_router)
    api.add_router("", directory_router)
    api.add_router("", enterprises_router)
    api.add_router("", tickets_router)
    api.add_router("", knowledge_router)
    api.add_router("", routing_router)


_register_routers()
