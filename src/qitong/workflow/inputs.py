"""Typed action input: one pydantic model per action, built from a few field kinds that carry
Chinese messages, so the service, the API (OpenAPI body) and the page form agree on one rule.

Every field has a default and says for itself whether it is required: pydantic then reports
every bad field at once, in our words ("请填写退单理由"), instead of a generic "missing". A page
posts strings and the API posts JSON; the kinds accept both ("3" and 3 for a number), never a
JSON boolean for a number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from qitong.core.bounds import MAX_ID, whole_number
from qitong.core.errors import ValidationFailed, field_message

MAX_TEXT = 5000


@dataclass(frozen=True)
class Widget:
    """How a page shows the field (pydantic ignores this metadata; the form reads it)."""

    kind: str  # text | textarea | choice | number | flag | ref | refs | date
    label: str
    required: bool = False
    rows: int = 3
    hint: str = ""
    # Copied into the ledger event's payload when not empty (notes, reasons, answers).
    record: bool = False
    choices: tuple[tuple[str, str], ...] = ()


class Input(BaseModel):
    """Base of every action's input. Unknown keys are ignored (clients send `version`)."""

    model_config = ConfigDict(extra="ignore", validate_default=True, frozen=True)
    hint: ClassVar[str] = ""
    # Other names clients may give a field ({"class": "problem_class"}: `class` is a Python
    # word, so the field cannot bear it); an error is then named as the client named it.
    aliases: ClassVar[dict[str, str]] = {}
    # Templates read a transition's input class (`action.input.hint`): never call it.
    do_not_call_in_templates: ClassVar[bool] = True

    @model_validator(mode="before")
    @classmethod
    def _aliased(cls, data: Any) -> Any:
        if not cls.aliases or not isinstance(data, dict):
            return data
        out = dict(data)
        for alias, name in cls.aliases.items():
            if alias in out and name not in out:
                out[name] = out.pop(alias)
        return out

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: Any
    ) -> JsonSchemaValue:
        """Fields are defaulted so that our validators word the "missing" error; the
        document still lists the required ones."""
        out: JsonSchemaValue = handler(schema)
        required = [name for name, widget in widgets(cls).items() if widget.required]
        if required and "properties" in out:
            out["required"] = required
            for name in required:  # a required field is never null in the document
                prop = out["properties"].get(name, {})
                branches = [b for b in prop.pop("anyOf", []) if b.get("type") != "null"]
                if len(branches) == 1:
                    prop.update(branches[0])
                if prop.get("type") == "string":
                    prop["pattern"] = r"\S"  # something besides spaces
        return out

    def recorded(self) -> dict[str, Any]:
        """The fields the ledger keeps as they were typed."""
        return {
            name: _plain(value)
            for name, widget in widgets(type(self)).items()
            if widget.record and (value := getattr(self, name)) not in ("", None)
        }


def _plain(value: Any) -> Any:
    """A value as the ledger's JSON holds it (dates as ISO text, amounts as text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class NoInput(Input):
    """An action that takes no fields."""


def widgets(model: type[BaseModel]) -> dict[str, Widget]:
    found = {}
    for name, info in model.model_fields.items():
        widget = next((m for m in info.metadata if isinstance(m, Widget)), None)
        if widget is not None:
            found[name] = widget
    return found


def _fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _field(default: Any, widget: Widget, *validators: Any, **schema: Any) -> Any:
    """A pydantic field whose metadata carries its validators and its widget; used as a
    default (`reason: str = Text("退单理由")`) so type checkers read a plain type."""
    extra = {k: v for k, v in schema.items() if v is not None}
    info = Field(
        default=default,
        title=widget.label,
        description=widget.hint or None,
        json_schema_extra=extra or None,
    )
    info.metadata += [*validators, widget]
    return info


def _as_text(raw: object) -> str:
    """A JSON string (a number or a list is refused, not turned into text)."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise _fail("text_type", "应为文字")
    return raw.strip()


def Text(
    label: str,
    *,
    required: bool = True,
    rows: int = 3,
    max_length: int = MAX_TEXT,
    hint: str = "",
    record: bool = True,
) -> Any:
    """Free text, trimmed; "" when absent. `rows` > 1 is a textarea on the page."""

    def check(value: str) -> str:
        if required and not value:
            raise _fail("required", f"请填写{label}")
        if len(value) > max_length:
            raise _fail("too_long", f"{label}最多 {max_length} 字")
        return value

    widget = Widget("textarea" if rows > 1 else "text", label, required, rows, hint, record)
    return _field(
        "", widget, BeforeValidator(_as_text), AfterValidator(check), maxLength=max_length
    )


def whole(raw: object) -> int | None:
    """A whole number from JSON or a form: an int (not a bool) or a string of digits."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    return whole_number(raw)


def _number(message: str) -> Callable[[object], int | None]:
    def parse(raw: object) -> int | None:
        if raw in (None, ""):
            return None
        value = whole(raw)
        if value is None:
            raise _fail("number", message)
        return value

    return parse


def Number(
    label: str,
    *,
    required: bool = True,
    ge: int | None = None,
    le: int | None = None,
    missing: str = "",
    invalid: str = "",
    hint: str = "",
    kind: str = "number",
) -> Any:
    """A whole number (an id, a count of days). `missing` / `invalid` word the errors."""
    ranged = ge is not None and le is not None
    invalid = invalid or (f"{label}应在 {ge} 到 {le} 之间" if ranged else f"{label}应为整数")

    def check(value: int | None) -> int | None:
        if value is None:
            if required:
                raise _fail("required", missing or f"请填写{label}")
            return None
        if (ge is not None and value < ge) or (le is not None and value > le):
            raise _fail("out_of_range", invalid)
        return value

    widget = Widget(kind, label, required, hint=hint)
    return _field(
        None,
        widget,
        BeforeValidator(_number(invalid)),
        AfterValidator(check),
        minimum=ge,
        maximum=le,
    )


def Ref(label: str, *, required: bool = True, missing: str = "", hint: str = "") -> Any:
    """The id of another record (a department, a specialist): its existence and whether the
    actor may use it are the handler's to check, against the database."""
    return Number(
        label,
        required=required,
        ge=1,
        le=MAX_ID,
        missing=missing or f"请选择{label}",
        invalid=f"{label}应为编号（正整数）",
        hint=hint,
        kind="ref",
    )


def _id(raw: object) -> int:
    value = whole(raw)
    if value is None or not 1 <= value <= MAX_ID:
        raise _fail("number", f"应为编号（正整数）：{raw}")
    return value


Id = Annotated[int, BeforeValidator(_id), Field(ge=1, le=MAX_ID)]  # an item of `Refs`


def Refs(label: str, *, max_items: int = 20, hint: str = "") -> Any:
    """A list of ids (`assisting: list[Id] = Refs("协办单位")`); a bad item is named by its
    position (`assisting.1`)."""

    def as_list(raw: object) -> object:
        if raw in (None, ""):
            return []
        if isinstance(raw, str | bytes | dict) or not isinstance(raw, Iterable):
            raise _fail("list_type", f"{label}应为列表")
        items = list(raw)
        if len(items) > max_items:
            raise _fail("too_many", f"{label}最多 {max_items} 个")
        return items

    return _field(
        [], Widget("refs", label, False, hint=hint), BeforeValidator(as_list), maxItems=max_items
    )


def Choice(
    label: str,
    choices: Iterable[tuple[Any, Any]],
    *,
    required: bool = True,
    invalid: str = "",
    hint: str = "",
    integer: bool = False,
) -> Any:
    """One of fixed values (a TextChoices' or IntegerChoices' `.choices`)."""
    pairs = tuple((value, str(text)) for value, text in choices)
    values = [v for v, _ in pairs]
    invalid = invalid or f"{label}应为：" + "、".join(f"{v}（{t}）" for v, t in pairs)

    def parse(raw: object) -> object:
        if raw in (None, ""):
            return None
        value = whole(raw) if integer else raw if isinstance(raw, str) else None
        if value is None:
            raise _fail("choice", invalid)
        return value

    def check(value: object) -> object:
        if value is None:
            if required:
                raise _fail("required", invalid)
            return None
        if value not in values:
            raise _fail("choice", invalid)
        return value

    widget = Widget(
        "choice", label, required, hint=hint, choices=tuple((str(v), t) for v, t in pairs)
    )
    return _field(None, widget, BeforeValidator(parse), AfterValidator(check), enum=values)


def Flag(label: str, *, required: bool = False, invalid: str = "", hint: str = "") -> Any:
    """A yes/no: JSON true/false only (a page form turns its checkbox or radios into one)."""
    invalid = invalid or f"{label}应为 true 或 false"

    def parse(raw: object) -> object:
        if raw is None:
            return None
        if not isinstance(raw, bool):
            raise _fail("flag", invalid)
        return raw

    def check(value: bool | None) -> bool | None:
        if value is None and required:
            raise _fail("required", invalid)
        return value

    widget = Widget("flag", label, required, hint=hint)
    return _field(
        None if required else False, widget, BeforeValidator(parse), AfterValidator(check)
    )


MAX_MONEY = Decimal("99999999999999.99")  # 16 digits, 2 after the point (元)


def Money(label: str, *, required: bool = True, hint: str = "", noun: str = "金额（元）") -> Any:
    """An amount in 元 with at most two decimals, not negative: a JSON number or a string of
    digits ("2420000", "2420000.50"); never a boolean, never "2.4e6" or "242万". `noun`
    names another non-negative quantity with two decimals (a score, a count)."""
    invalid = f"{label}应为不小于 0 的{noun}，最多两位小数"

    def parse(raw: object) -> object:
        if raw in (None, ""):
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
            raise _fail("money", invalid)
        text = str(raw).strip().replace(",", "")
        if not text or any(c not in "0123456789." for c in text) or text.count(".") > 1:
            raise _fail("money", invalid)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise _fail("money", invalid) from None
        if value != value.quantize(Decimal("0.01")) or value > MAX_MONEY:
            raise _fail("money", invalid)
        return value.quantize(Decimal("0.01"))

    def check(value: Decimal | None) -> Decimal | None:
        if value is None and required:
            raise _fail("required", f"请填写{label}")
        return value

    widget = Widget(
        "number", label, required, hint=hint or ("单位：元" if "元" in noun else ""), record=True
    )
    return _field(None, widget, BeforeValidator(parse), AfterValidator(check))


FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


def _step(item: object, label: str, position: int) -> dict[str, str]:
    """One dated step: {"due_on": "2026-12-31", "title": "…"} or the line "2026-12-31 …"."""
    where = f"{label}第 {position} 项"
    raw_day: object
    title: object
    if isinstance(item, str):
        raw_day, _, title = item.strip().partition(" ")
    elif isinstance(item, dict):
        raw_day, title = item.get("due_on"), item.get("title")
    else:
        raise _fail("step", f"{where}应为“日期 内容”，如 2026-12-31 完成付款")
    try:
        day = dt.date.fromisoformat(str(raw_day).strip())
    except ValueError:
        raise _fail("step", f"{where}的日期应为 YYYY-MM-DD") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _fail("step", f"{where}的日期应在 2000 年到 2099 年之间")
    if not isinstance(title, str) or not title.strip():
        raise _fail("step", f"{where}缺少内容")
    if len(title.strip()) > 200:
        raise _fail("step", f"{where}的内容最多 200 字")
    return {"due_on": day.isoformat(), "title": title.strip()}


def Steps(label: str, *, required: bool = True, max_items: int = 30, hint: str = "") -> Any:
    """Dated steps (a plan's milestones), in date order: a JSON list of {due_on, title}, or
    text with one "YYYY-MM-DD 内容" per line (what a page's text area posts)."""

    def parse(raw: object) -> object:
        if raw in (None, ""):
            return []
        if isinstance(raw, str):
            raw = [line for line in raw.splitlines() if line.strip()]
        if isinstance(raw, bytes | dict) or not isinstance(raw, Iterable):
            raise _fail("list_type", f"{label}应为列表")
        items = list(raw)
        if len(items) > max_items:
            raise _fail("too_many", f"{label}最多 {max_items} 项")
        steps = [_step(item, label, i) for i, item in enumerate(items, start=1)]
        return sorted(steps, key=lambda s: s["due_on"])

    def check(value: list[dict[str, str]]) -> list[dict[str, str]]:
        if required and not value:
            raise _fail("required", f"请填写{label}（每行一项：日期 内容）")
        return value

    widget = Widget(
        "textarea",
        label,
        required,
        rows=4,
        hint=hint or "每行一项：日期 内容，如 2026-12-31 完成付款",
        record=True,
    )
    return _field([], widget, BeforeValidator(parse), AfterValidator(check), maxItems=max_items)


def Day(label: str, *, required: bool = True, hint: str = "") -> Any:
    """A calendar date, `YYYY-MM-DD` (a page's date input sends the same), 2000–2099."""
    invalid = f"{label}应为日期，格式 YYYY-MM-DD"

    def parse(raw: object) -> object:
        if raw in (None, ""):
            return None
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        if not isinstance(raw, str):
            raise _fail("date", invalid)
        try:
            value = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise _fail("date", invalid) from None
        if not FIRST_DAY <= value <= LAST_DAY:
            raise _fail("date", f"{label}应在 2000 年到 2099 年之间")
        return value

    def check(value: dt.date | None) -> dt.date | None:
        if value is None and required:
            raise _fail("required", f"请填写{label}")
        return value

    widget = Widget("date", label, required, hint=hint, record=True)
    return _field(None, widget, BeforeValidator(parse), AfterValidator(check), format="date")


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Every error of a pydantic validation, keyed by the field path (`assisting.0`)."""
    fields: dict[str, str] = {}
    for err in exc.errors():
        name = ".".join(str(p) for p in err.get("loc", ())) or "__all__"
        fields.setdefault(name, field_message(err))
    return fields


InputT = TypeVar("InputT", bound=Input)


def parse_input(model: type[InputT], data: dict[str, Any] | None) -> InputT:
    """The validated input, or ValidationFailed naming every bad field at once."""
    given = dict(data or {})
    try:
        return model.model_validate(given)
    except ValidationError as exc:
        fields = field_errors(exc)
        for alias, name in model.aliases.items():
            if alias in given and name not in given and name in fields:
                fields[alias] = fields.pop(name)
        raise ValidationFailed(fields=fields) from None


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with `$defs` references resolved in place (an OpenAPI
    operation's request body must not point at a document-local `$defs`)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def Percent(label: str, *, required: bool = False, hint: str = "") -> Any:
    """A rate in percent (年利率 3.65), 0–100 with at most three decimals, as a JSON number
    or a string of digits; never a boolean, never "3.65%"."""
    invalid = f"{label}应为 0 到 100 之间的百分数（如 3.65），最多三位小数"

    def parse(raw: object) -> object:
        if raw in (None, ""):
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
            raise _fail("percent", invalid)
        text = str(raw).strip()
        if not text or any(c not in "0123456789." for c in text) or text.count(".") > 1:
            raise _fail("percent", invalid)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise _fail("percent", invalid) from None
        if value != value.quantize(Decimal("0.001")) or value > 100:
            raise _fail("percent", invalid)
        return value

    def check(value: Decimal | None) -> Decimal | None:
        if value is None and required:
            raise _fail("required", f"请填写{label}")
        return value

    widget = Widget("number", label, required, hint=hint or "单位：%", record=True)
    return _field(None, widget, BeforeValidator(parse), AfterValidator(check))


def Nested(label: str, *, required: bool = True) -> Any:
    """A group of fields given as one JSON object (`contract: ContractIn = Nested("合同")`);
    its own fields' errors are named by path (`contract.signed_on`)."""

    def parse(raw: object) -> object:
        if raw in (None, ""):
            if required:
                raise _fail("required", f"请填写{label}")
            return None
        if not isinstance(raw, dict):
            raise _fail("object_type", f"{label}应为对象（JSON object）")
        return raw

    return _field(None, Widget("group", label, required), BeforeValidator(parse))
