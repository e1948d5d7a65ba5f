"""Excel export of a ticket list, in constant memory: rows are read with a server-side
cursor in chunks (values only, no model objects) and written by xlsxwriter in constant-memory
mode, which flushes each row to a temporary file; the finished file is then streamed to
the browser. A million rows take the same memory as a thousand (bench/export.py measures it).
xlsxwriter, not openpyxl, writes it: five to ten times faster for a million rows (decision 0011).

Who exported which list, and how many rows, is written to the ledger (on the exporting
user's chain): an export takes records out of the system.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import xlsxwriter
from django.db import transaction
from django.db.models import QuerySet

from qitong.accounts.actor import Actor
from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES
from qitong.core.workdays import LOCAL_TZ
from qitong.ledger.services import ledger_record, subject_key
from qitong.tickets.models import Ticket
from qitong.tickets.states import Channel, Satisfaction, TicketState, TicketType, Urgency

CHUNK = 2000
COLUMNS: list[tuple[str, str, int]] = [  # (label, value path, width)
    ("工单编号", "number", 20),
    ("登记时间", "created_at", 17),
    ("诉求类型", "type", 9),
    ("诉求分类", "category__name", 14),
    ("紧急程度", "urgency", 9),
    ("来源渠道", "channel", 10),
    ("标题", "title", 36),
    ("企业", "enterprise__name", 30),
    ("统一社会信用代码", "enterprise__credit_code", 21),
    ("区划代码", "region_code", 9),
    ("受理专席", "desk__name", 22),
    ("主办单位", "lead_department__name", 26),
    ("状态", "state", 10),
    ("当前时限", "due_at", 17),
    ("首次派单", "dispatched_at", 17),
    ("按时签收", "signed_on_time", 9),
    ("答复时间", "replied_at", 17),
    ("按时答复", "replied_on_time", 9),
    ("延期工作日", "extension_days", 10),
    ("重办次数", "redo_count", 9),
    ("回访是否解决", "resolved", 12),
    ("满意度", "satisfaction", 11),
    ("办结时间", "closed_at", 17),
]
_LABELS: dict[str, dict[Any, str]] = {
    "type": dict(TicketType.choices),
    "urgency": dict(Urgency.choices),
    "channel": dict(Channel.choices),
    "state": dict(TicketState.choices),
    "satisfaction": dict(Satisfaction.choices),
}
_HIDDEN = {"enterprise__name": "（保密工单）", "enterprise__credit_code": ""}


def _shown(path: str, value: Any) -> Any:
    if value is None:
        return ""
    if path in _LABELS:
        return _LABELS[path].get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return value


def _rows(qs: QuerySet[Ticket], actor: Actor) -> Iterator[list[Any]]:
    paths = [path for _, path, _ in COLUMNS]
    masks = actor.role in DEPARTMENT_ROLES  # a confidential ticket hides its enterprise
    for values in qs.values_list(*paths, "confidential").iterator(chunk_size=CHUNK):
        confidential = values[-1]
        yield [
            _HIDDEN[path] if masks and confidential and path in _HIDDEN else _shown(path, value)
            for path, value in zip(paths, values[:-1], strict=True)
        ]


def write_xlsx(qs: QuerySet[Ticket], actor: Actor, out: IO[bytes], *, title: str) -> int:
    """Write the list to `out` as one sheet (a title line, the header, the rows); returns the
    number of rows. xlsxwriter's constant_memory mode flushes each row as it is written."""
    workbook = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet("工单")
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for i, (_, _, width) in enumerate(COLUMNS):
        sheet.set_column(i, i, width)
    sheet.freeze_panes(2, 0)
    sheet.write_string(0, 0, title, bold)
    for i, (label, _, _) in enumerate(COLUMNS):
        sheet.write_string(1, i, label, bold)
    count = 0
    for count, row in enumerate(_rows(qs, actor), start=1):
        line = count + 1
        for i, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(line, i, value, when)
            elif isinstance(value, str):
                if value:
                    sheet.write_string(line, i, value)
            else:
                sheet.write_number(line, i, value)
    workbook.close()
    return count


def export_tickets(
    qs: QuerySet[Ticket], *, user: User, actor: Actor, title: str, filters: dict[str, Any]
) -> tuple[IO[bytes], int]:
    """The list as an .xlsx in a temporary file (positioned at its start) and its row count;
    the export is ledgered once the file is complete."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — the response closes it
    count = write_xlsx(qs, actor, out, title=title)
    out.seek(0)
    subject_type, subject_id = subject_key(user)
    with transaction.atomic():
        ledger_record(
            subject_type=subject_type,
            subject_id=subject_id,
            action="tickets_export",
            actor=user,
            payload={"filters": filters, "rows": count, "title": title},
        )
    return out, count
