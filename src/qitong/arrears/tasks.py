"""Jobs of the arrears domain: the hourly sweep (arrears.services.claims_sweep)."""

from __future__ import annotations

from qitong.arrears import services


def claims_sweep() -> dict[str, int]:
    return services.claims_sweep()
