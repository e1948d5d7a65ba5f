"""The ten assessment items Inner Mongolia assesses for a whole zone (an editable list; the
migration seeds it, an administrator adds or retires items)."""

from __future__ import annotations

from typing import Any

ITEMS = [
    ("environment", "环境影响评价", 60),
    ("heritage", "文物保护评估", 60),
    ("flood", "洪水影响评价", 60),
    ("energy", "节能评价", 36),
    ("geohazard", "地质灾害危险性评估", 60),
    ("soil_water", "水土保持评价", 60),
    ("minerals", "压覆重要矿产资源评估", 60),
    ("water_resources", "水资源论证", 60),
    ("seismic", "地震安全性评价", 60),
    ("climate", "气候可行性论证", 60),
]


def items_ensure(model: Any) -> int:
    made = 0
    for position, (code, name, months) in enumerate(ITEMS, start=1):
        _, created = model.objects.get_or_create(
            code=code,
            defaults={"name": name, "validity_months": months, "sort_order": position * 10},
        )
        made += created
    return made
