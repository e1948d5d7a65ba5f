"""A ticket's attachments: files checked by core.uploads, stored as `Attachment` rows."""

from __future__ import annotations

from typing import Any

from qitong.accounts.models import User
from qitong.core import clock
from qitong.core.uploads import CheckedFile, save_checked
from qitong.tickets.models import Attachment, Ticket


def store_attachments(
    *, ticket: Ticket, files: list[CheckedFile], user: User, internal: bool = False
) -> list[dict[str, Any]]:
    """Store checked files for a ticket; returns their digests for the ledger payload."""
    digests = []
    now = clock.now()
    for checked in files:
        row = Attachment.objects.create(
            ticket=ticket,
            **save_checked(checked, folder="tickets", user=user, now=now),
            internal=internal,
        )
        digests.append(
            {"id": row.pk, "name": row.original_name, "size": row.size, "sha256": row.sha256}
        )
    return digests
