"""Bounds every input shares, whichever door it comes in by (API, page, import)."""

# The largest id either database stores (a signed 64-bit key): a larger one is refused as a
# field error, never sent to a query (it overflowed SQLite's INTEGER and PostgreSQL's bigint).
MAX_ID = 2**63 - 1


def whole_number(text: object, high: int = MAX_ID) -> int | None:
    """A whole number 0 … `high` typed as ASCII digits (a page number, an id, a day count),
    else None. `"²".isdigit()` is true and `int("9" * 5000)` raises: neither reaches here."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if value <= high else None
