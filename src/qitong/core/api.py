"""The API base: one NinjaAPI under /api/v1, bearer-token or session auth, one error shape.

Every error answers `{"code": str, "message": str, "fields": {name: message}}`, and every
operation's OpenAPI entry declares those answers. Input is bounded before it reaches a query:
the request parser refuses NUL characters and lone surrogates anywhere in a JSON body or a
query string (PostgreSQL cannot store the first, neither database the second, and the two
must behave the same); ids, dates and pages have typed bounds (`Id`, `When`, `Paged`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from qitong.core.bounds import MAX_ID
from qitong.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    ValidationFailed,
    field_message,
)

MAX_OFFSET = 100_000
MAX_LIMIT = 500
EARLIEST = dt.datetime(1970, 1, 1)
LATEST = dt.datetime(9999, 1, 1)


class ErrorOut(Schema):
    code: str = Field(description="错误代码，见接口说明中的错误代码表")
    message: str = Field(description="可直接展示给用户的中文说明")
    fields: dict[str, str] = Field(default={}, description="字段名 → 该字段的中文错误说明")


BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


class UploadIn(Schema):
    # A file in a JSON body (ticket and action attachments, any domain's evidence); the
    # type is decided by the extension and the first bytes (core.uploads), not by the schema.
    model_config = {"title": "附件"}

    name: str = Field(min_length=1, max_length=200, description="原文件名，如 营业执照.pdf")
    content_base64: str = Field(
        min_length=4, pattern=BASE64, description="文件内容的 Base64（每个文件最多 20 MB）"
    )


# What every operation may answer besides its own success: declared in the OpenAPI document.
ERROR_ANSWERS: dict[int, str] = {
    401: "未登录或令牌无效（unauthenticated）",
    403: "角色不能执行此操作（forbidden）",
    404: "对象不存在或不在您的数据范围内（not_found）",
    422: "字段有误，fields 逐项说明，未做任何修改（invalid）",
    429: "操作过于频繁（rate_limited）",
}
WRITE_ANSWERS: dict[int, str] = {
    409: (
        "状态或版本不允许（conflict、invalid_transition、guard_failed、stale_version、"
        "unknown_action、idempotency_mismatch）"
    ),
    413: "请求体过大（too_large）",
}


class QitongAPI(NinjaAPI):
    """NinjaAPI whose document declares the shared error answers on every operation."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = ErrorOut.model_json_schema()
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for methods in schema.get("paths", {}).values():
            for method, operation in methods.items():
                answers = dict(ERROR_ANSWERS)
                if method in ("post", "put", "patch", "delete"):
                    answers |= WRITE_ANSWERS
                responses = operation.setdefault("responses", {})
                for status, text in sorted(answers.items()):
                    responses.setdefault(status, {"description": text, "content": ref})
        return schema


def _bad_text(value: str) -> str | None:
    if "\x00" in value:
        return "不能包含空字符（\\u0000）"
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "包含无效的 Unicode 字符（未配对的代理项）"
    return None


def _bad_strings(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        problem = _bad_text(node)
        if problem:
            yield path or "__all__", problem
    elif isinstance(node, dict):
        for key, value in node.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _bad_text(key):
                yield path or "__all__", "字段名包含无效字符"
            yield from _bad_strings(value, name)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _bad_strings(value, f"{path}.{i}" if path else str(i))


def refuse_bad_strings(data: Any) -> None:
    """ValidationFailed naming every field whose text neither database can store."""
    fields = dict(_bad_strings(data, ""))
    if fields:
        raise ValidationFailed(fields=fields)


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object (an empty body is `{}`), or ValidationFailed."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ValidationFailed(fields={"__all__": "请求体应为 JSON 对象"}) from None
    if not isinstance(body, dict):
        raise ValidationFailed(fields={"__all__": "请求体应为 JSON 对象"})
    refuse_bad_strings(body)
    return body


def body_version(body: dict[str, Any]) -> int | None:
    """Pop the `version` a client saw (an action's optimistic lock): a JSON integer 0 … MAX_ID
    (3.0 is the integer 3), else ValidationFailed naming it."""
    version = body.pop("version", None)
    if isinstance(version, float) and version.is_integer():
        version = int(version)
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= MAX_ID
    ):
        raise ValidationFailed(fields={"version": "版本号应为非负整数"})
    return version


class StrictParser(Parser):
    """ninja's parser, refusing what no database stores (see the module docstring)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return json_body(request)

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        refuse_bad_strings({k: v for k, v in result.items() if not hasattr(v, "read")})
        return result


def _when(raw: object) -> object:
    """ISO 8601 only (pydantic would also read `-120` as seconds since 1970), within
    1970–9999 (an aware datetime near year 1 overflows when converted to UTC)."""
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            raise PydanticCustomError(
                "datetime_format", "时间格式应为 ISO 8601，如 2026-03-01T08:00:00+08:00"
            ) from None
    else:
        raise PydanticCustomError("datetime_type", "时间应为 ISO 8601 字符串")
    naive = value.replace(tzinfo=None)
    if not EARLIEST <= naive < LATEST:
        raise PydanticCustomError("datetime_range", "时间应在 1970 年到 9999 年之间")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


# A datetime query or body field: ISO 8601, bounded, naive read as Beijing time.
When = Annotated[dt.datetime, BeforeValidator(_when)]


def _day(raw: object) -> object:
    """YYYY-MM-DD only (pydantic would also read `0` as 1970-01-01), within 2000–2099."""
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise PydanticCustomError("date_format", "日期格式应为 YYYY-MM-DD") from None
    else:
        raise PydanticCustomError("date_type", "日期应为 YYYY-MM-DD 字符串")
    if not dt.date(2000, 1, 1) <= value <= dt.date(2099, 12, 31):
        raise PydanticCustomError("date_range", "日期应在 2000 年到 2099 年之间")
    return value


# A date query or body field: YYYY-MM-DD, 2000–2099 (the document says so, so that a client
# or a fuzzer reading it sends only what is accepted).
DAY_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
Day = Annotated[
    dt.date,
    BeforeValidator(_day),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN}),
]
# An id in a path, a query or a body: 1 … MAX_ID (a larger one overflowed both databases).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# An id in a JSON body: a JSON integer only (`true` was read as 1, "7" as 7).
StrictId = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]


class LazyList:
    """A queryset presented row by row after the pager slices it (one page, not the table)."""

    def __init__(self, qs: QuerySet[Any], present: Callable[[Any], Any]) -> None:
        self.qs, self.present = qs, present

    def __len__(self) -> int:
        return self.qs.count()

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, window: slice) -> list[Any]:
        return [self.present(i) for i in self.qs[window]]


class Paged(LimitOffsetPagination):
    """ninja's limit/offset pages with both bounded (a huge offset was a 500)."""

    class PageQuery(LimitOffsetPagination.Input):
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数（1–{MAX_LIMIT}）")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"跳过条数（≤ {MAX_OFFSET}）")

    Input = PageQuery  # ninja reads `Input`; its own name keeps the workflow's Input unshadowed


def build_api(*, auth: list[Any]) -> NinjaAPI:
    """The one NinjaAPI with the shared error shape; config.api adds auth and routers."""
    api = QitongAPI(
        title="企通 qitong API",
        version="1",
        description="企业服务专席、工单闭环与营商环境监督的开放接口。错误统一为 {code, message, fields}。",
        urls_namespace="api",
        auth=auth,
        docs_url="/docs",
        openapi_url="/openapi.json",
        parser=StrictParser(),
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
        fields.setdefault(_field_name(err.get("loc", ())), field_message(err))
    return error_response(
        request, 422, ValidationFailed.code, ValidationFailed.default_message, fields
    )


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


# ninja's own HttpErrors (an unparsable body, a wrong method), answered in our codes.
_HTTP_ERRORS: dict[int, tuple[str, str]] = {
    403: (Forbidden.code, Forbidden.default_message),
    404: (NotFound.code, NotFound.default_message),
    405: ("method_not_allowed", "该接口不支持此请求方法"),
    409: (Conflict.code, Conflict.default_message),
    413: ("too_large", "请求体过大"),
    429: (RateLimited.code, RateLimited.default_message),
}


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, DomainError):  # raised by StrictParser while ninja read the body
        return _domain_error(request, cause)
    if isinstance(cause, RequestDataTooBig):
        return _too_large(request, cause)
    if exc.status_code == 400 or exc.status_code not in _HTTP_ERRORS:
        fields = {"__all__": "请求体应为 JSON 对象"} if exc.status_code == 400 else {}
        return error_response(
            request, 422, ValidationFailed.code, ValidationFailed.default_message, fields
        )
    code, message = _HTTP_ERRORS[exc.status_code]
    return error_response(request, exc.status_code, code, message)


def shaped_error(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The error shape for an answer Django gave outside ninja (core.middleware)."""
    status = response.status_code
    if status == 400:
        shaped = error_response(
            request,
            422,
            ValidationFailed.code,
            ValidationFailed.default_message,
            {"__all__": "请求无法解析"},
        )
    else:
        code, message = _HTTP_ERRORS.get(status, ("error", "请求未能完成"))
        shaped = error_response(request, status, code, message)
    if response.has_header("Allow"):
        shaped["Allow"] = response["Allow"]
    return shaped


def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    from django.conf import settings

    limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) // 1024 // 1024
    return error_response(
        request,
        413,
        "too_large",
        f"请求体过大：一次请求最多 {limit} MB（每个附件最多 20 MB，多个附件可分次上传）",
    )


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error answers {code, message, fields} with its status."""
    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (DomainError, _domain_error),
        (NinjaValidationError, _validation_error),
        (DjangoValidationError, _django_validation_error),
        (Http404, _not_found),
        (AuthenticationError, _unauthenticated),
        (HttpError, _http_error),
        (RequestDataTooBig, _too_large),
    ]
    for exc, handler in handlers:
        api.add_exception_handler(exc, handler)
