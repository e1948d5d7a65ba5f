"""The API base: one NinjaAPI under /api/v1, bearer-token or session auth, one error shape.

Every error answers `{"code": str, "message": str, "fields": {name: message}}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from qitong.core.errors import DomainError, NotFound, ValidationFailed


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}


def build_api(*, auth: list[Any]) -> NinjaAPI:
    """The one NinjaAPI with the shared error shape; config.api adds auth and routers."""
    api = NinjaAPI(
        title="企通 qitong API",
        version="1",
        description="企业服务专席、工单闭环与营商环境监督的开放接口。错误统一为 {code, message, fields}。",
        urls_namespace="api",
        auth=auth,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    install_error_handlers(api)
    return api


def error_response(
    request: HttpRequest, status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> HttpResponse:
    return JsonResponse({"code": code, "message": message, "fields": fields or {}}, status=status)


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja locations look like ("body", "payload", "credit_code") or ("query", "region").
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header", "payload")]
    return ".".join(parts) or "__all__"


def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, exc.fields)


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


def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        fields = {name: " ".join(errs[0].messages) for name, errs in exc.error_dict.items()}
    else:
        fields = {"__all__": " ".join(exc.messages)}
    return error_response(
        request, 422, ValidationFailed.code, ValidationFailed.default_message, fields
    )


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, NotFound.code, NotFound.default_message)


def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthenticated", "请先登录，或提供有效的访问令牌")


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "http_error", str(exc))


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error answers {code, message, fields} with its status."""
    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (DomainError, _domain_error),
        (NinjaValidationError, _validation_error),
        (DjangoValidationError, _django_validation_error),
        (Http404, _not_found),
        (AuthenticationError, _unauthenticated),
        (HttpError, _http_error),
    ]
    for exc, handler in handlers:
        api.add_exception_handler(exc, handler)
