"""Jobs of the supervision domain: the hourly sweep (supervision.services.problems_sweep)."""

from __future__ import annotations

from qitong.supervision import services


def problems_sweep() -> dict[str, int]:
    return services.problems_sweep()
