"""The statistics' running tally (supervision.models.ProblemTally): what one problem
contributes, the difference an action makes, applied by adding in the same transaction
(core.upsert), and a rebuild from the problems (after a bulk load, or to check).

A problem contributes, in the month it was registered (local time), one to its source, its
category, its class, its current state and its unit; one to `recurred` if it recurs an earlier
problem; one to `other` if it did not come from a 反映问题 ticket, and then one to `other_done`
under the month it was closed; and, in the month it was closed, one to `closed` under
"days taken:on time". A state change, a reassignment or a closing moves the difference.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from qitong.core.upsert import upsert_add
from qitong.core.workdays import LOCAL_TZ
from qitong.supervision.models import Problem, ProblemTally
from qitong.supervision.states import ProblemState

Key = tuple[dt.date, str, str, str, str]  # month, region, owner, dim, value
KEYS = ["month", "region_code", "owner_code", "dim", "value"]


def month_of(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_TZ).date().replace(day=1)


def contribution(p: Problem) -> Counter[Key]:
    out: Counter[Key] = Counter()
    if p.pk is None or p.registered_at is None:
        return out
    month = month_of(p.registered_at)
    base = (month, p.region_code, p.owner_code)
    for dim, value in (
        ("source", p.source),
        ("category", str(p.category_id)),
        ("class", p.problem_class),
        ("state", p.state),
        ("unit", str(p.unit_department_id)),
    ):
        out[(*base, dim, value)] += 1
    if p.recurrence_of_id:
        out[(*base, "recurred", "1")] += 1
    closed = p.state == ProblemState.CLOSED and p.closed_at is not None
    if not p.from_report:
        out[(*base, "other", "1")] += 1
        if closed:
            assert p.closed_at is not None
            out[(*base, "other_done", month_of(p.closed_at).isoformat())] += 1
    if closed:
        assert p.closed_at is not None
        days = f"{p.days_to_close or 0}:{int(bool(p.on_time))}"
        out[(month_of(p.closed_at), p.region_code, p.owner_code, "closed", days)] += 1
    return out


def tally_apply(before: Counter[Key], after: Counter[Key]) -> None:
    """Add the difference (one statement; nothing when the action changed nothing counted)."""
    rows: list[tuple[Any, ...]] = []
    for key in sorted(set(before) | set(after)):
        delta = after.get(key, 0) - before.get(key, 0)
        if delta:
            rows.append((*key, delta))
    upsert_add(ProblemTally._meta.db_table, KEYS, ["n"], rows)


def tally_rebuild() -> int:
    """Recount everything from the problems; returns the rows written."""
    ProblemTally.objects.all().delete()
    total: Counter[Key] = Counter()
    fields = [
        "pk", "registered_at", "region_code", "owner_code", "source", "category_id",
        "problem_class", "state", "unit_department_id", "recurrence_of_id", "from_report",
        "closed_at", "days_to_close", "on_time",
    ]  # fmt: skip
    for p in Problem.objects.only(*fields).iterator(chunk_size=5000):
        total.update(contribution(p))
    rows = [ProblemTally(**dict(zip(KEYS, key, strict=True)), n=n) for key, n in total.items() if n]
    ProblemTally.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
