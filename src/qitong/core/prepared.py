"""One row by primary key (or another unique field) through a queryset compiled once:
`prepared(key, build).get(pk)`, `prepared(key, build, field="credit_code").get(code)`.

The workflow skeleton loads every action's subject through the actor's scope, joined to what
the handlers read and locked; compiling that ~100-column, five-join SELECT cost more CPU than
running it. This keeps, per thread and per `key`, the compiled statement of `build()` filtered
on the primary key, and runs it again with another key: the same SQL, the same Django row
loading (select_related, annotations, converters), no compilation.

`key` must determine `build()` completely — the queryset may depend on nothing else (no
reads, no clock): e.g. the subject kind and the frozen Actor whose scope it is. Django's own
row loading is reused by handing its ModelIterable the compiled statement, which relies on
the compiler's `as_sql` / `select` / `klass_info` (stable across Django 4–5;
tests/test_prepared.py fails if that changes).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import models
from django.db.models import QuerySet

M = TypeVar("M", bound=models.Model)

# Values no row has: they mark the looked-up value's place among the parameters.
_PROBES: dict[bool, Any] = {True: -738_291_046_517, False: "\x00qitong-prepared-probe"}
LIMIT = 512  # statements kept per thread (least recently used dropped)


class PreparedGet(Generic[M]):
    def __init__(self, queryset: QuerySet[M], field: str = "pk") -> None:
        meta = queryset.model._meta
        found = meta.pk if field == "pk" else meta.get_field(field)
        assert isinstance(found, models.Field) and found.unique, f"{field} is not unique"
        self._field: models.Field[Any, Any] = found
        self._empty = queryset.query.is_empty()  # .none(): nothing to compile, nothing found
        if self._empty:
            return
        marker = _PROBES[isinstance(found, models.IntegerField)]  # BigAutoField is one too
        probe = queryset.filter(**{field: marker})
        compiler = probe.query.get_compiler(using=probe.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # a scope narrowed by an empty subquery (`unit__in=none()`)
            self._empty = True
            return
        where = [i for i, value in enumerate(params) if value == marker]
        if len(where) != 1:
            raise ValueError(f"{field} must appear once among the query's parameters")
        self._sql, self._params, self._at = sql, list(params), where[0]
        self._compiler = compiler
        self._queryset = probe
        # The columns' converters (SQLite's datetimes, decimals …) are the same on every run.
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        compiler.get_converters = lambda expressions: converters
        # Django builds each row's objects from the compiler it asks the query for: give it
        # this one, already set up, whose statement is the prepared one.
        probe.query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]

    def get(self, value: Any) -> M | None:
        if self._empty:
            return None
        field: Any = self._field
        try:
            value = field.get_db_prep_value(field.to_python(value), self._compiler.connection)
        except ValidationError:
            return None
        params = list(self._params)
        params[self._at] = value
        statement = (self._sql, tuple(params))
        self._compiler.as_sql = lambda *args, **kwargs: statement
        return next(iter(self._queryset.all()), None)  # a fresh clone: no result cache


_local = threading.local()


def prepared(key: Hashable, build: Callable[[], QuerySet[M]], field: str = "pk") -> PreparedGet[M]:
    cache: OrderedDict[Hashable, PreparedGet[Any]] | None = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = OrderedDict()
    key = (key, field)
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
        return found
    made = PreparedGet(build(), field)
    cache[key] = made
    if len(cache) > LIMIT:
        cache.popitem(last=False)
    return made


def prepared_clear() -> None:
    """Forget this thread's statements (tests that change what a key builds)."""
    _local.cache = OrderedDict()
