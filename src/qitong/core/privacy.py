"""Personal data masked by default (DESIGN "Access and privacy"): one masking for pages, API
responses and the admin. Unmasking is a separate, ledgered action and never happens here."""

from __future__ import annotations

import re


def mask_phone(value: object) -> str:
    """138****0001, 0471-***1234; empty for nothing."""
    text = str(value or "")
    digits = re.sub(r"\D", "", text)
    if not digits:
        return ""
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    area, _, rest = text.partition("-")
    if rest:
        local = re.sub(r"\D", "", rest)
        return f"{area}-{'*' * max(len(local) - 4, 0)}{local[-4:]}"
    return f"{'*' * max(len(digits) - 4, 0)}{digits[-4:]}"
