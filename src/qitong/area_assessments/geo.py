"""Zone boundaries: checking an uploaded GeoJSON polygon and finding the zone a project's
location lies in, with shapely (GEOS; docs/decisions/0013). The boundary is stored as
GeoJSON on both databases and matched here, so SQLite and PostgreSQL behave the same without
a spatial extension; a deployment has tens to hundreds of zones."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shapely.geometry import Point, shape
from shapely.validation import explain_validity

MAX_VERTICES = 200_000
GEOMETRIES = {"Polygon", "MultiPolygon"}


def check_boundary(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """(the geometry, None) for a GeoJSON Polygon or MultiPolygon (a Feature or a bare
    geometry) in longitude/latitude that is valid; else (None, why)."""
    geometry = (
        raw.get("geometry") if isinstance(raw, dict) and raw.get("type") == "Feature" else raw
    )
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
        return None, "边界应为 GeoJSON 的 Polygon 或 MultiPolygon（经纬度坐标）"
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):
        return None, "边界坐标无法读取：应为 [经度, 纬度] 组成的闭合环"
    if polygon.is_empty:
        return None, "边界为空"
    parts = [polygon] if geometry["type"] == "Polygon" else list(polygon.geoms)
    if sum(len(p.exterior.coords) for p in parts) > MAX_VERTICES:
        return None, f"边界最多 {MAX_VERTICES} 个顶点"
    low_x, low_y, high_x, high_y = polygon.bounds
    if not (-180 <= low_x <= high_x <= 180 and -90 <= low_y <= high_y <= 90):
        return None, "边界坐标应为经度 −180 至 180、纬度 −90 至 90"
    if not polygon.is_valid:
        return None, f"边界不是有效的多边形（{explain_validity(polygon)}）"
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}, None


def check_point(lng: Any, lat: Any) -> tuple[tuple[float, float] | None, dict[str, str]]:
    errors: dict[str, str] = {}
    values = []
    for name, raw, low, high, label in (
        ("lng", lng, -180, 180, "经度"),
        ("lat", lat, -90, 90, "纬度"),
    ):
        try:
            value = float(str(raw).strip())
        except (TypeError, ValueError):
            errors[name] = f"{label}应为数字（如 109.84）"
            continue
        if not low <= value <= high:
            errors[name] = f"{label}应在 {low} 到 {high} 之间"
        values.append(value)
    if errors:
        return None, errors
    return (values[0], values[1]), {}


def zones_at(point: tuple[float, float], zones: Iterable[Any]) -> list[Any]:
    """The zones (objects with a `boundary` GeoJSON geometry or None) whose boundary holds the
    point, smallest first (a zone inside another: the inner one is the better match)."""
    here = Point(point)
    found = []
    for zone in zones:
        if not zone.boundary:
            continue
        polygon = shape(zone.boundary)
        if polygon.covers(here):
            found.append((polygon.area, zone))
    return [z for _, z in sorted(found, key=lambda pair: pair[0])]
