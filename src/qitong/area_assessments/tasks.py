"""Jobs of the area-assessment domain (take nothing, load, call a service; idempotent)."""

from __future__ import annotations

from qitong.area_assessments import services


def results_sweep() -> int:
    return services.results_sweep()
