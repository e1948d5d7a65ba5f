"""The round's report and pages (issue 15): the PDF read back as text and images (poppler), the
Excel workbook's figures, who may download them, and the round and scorecard pages as the
assessor and as a unit."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qitong.appraisal.models import Round, RoundUnit
from tests.appraisal_factories import Assessment, as_user, assessment
from tests.factories import World

POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("pdffonts")


@pytest.fixture
def a(world: World) -> Assessment:
    return assessment(world)


def published(a: Assessment) -> Round:
    rnd = a.act(a.round(), "compute")
    rnd = a.act(rnd, "record_value", unit=a.hohhot.pk, indicator="A2", value="90", evidence="调查")
    rnd = a.act(rnd, "record_value", unit=a.baotou.pk, indicator="A2", value="70", evidence="调查")
    rnd = a.act(a.act(rnd, "open_review"), "publish", note="各单位已确认")
    return rnd


@pytest.mark.django_db
@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) is not installed")
def test_the_pdf_shows_the_ranking_in_chinese_with_embedded_fonts(
    a: Assessment, tmp_path: Path
) -> None:
    rnd = published(a)
    r = as_user(a.world.users["supervisor"]).get(f"/appraisal/rounds/{rnd.pk}/report.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "盟市营商环境季度考核" in text and "排名" in text
    ranking = text[text.index("排名") :]
    assert ranking.index("呼和浩特市") < ranking.index("包头市")  # 90 before 70
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line or "Noto" in line]
    assert cjk and all(" yes " in line for line in cjk)  # embedded
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 2 and all(p.stat().st_size > 1000 for p in pages)


@pytest.mark.django_db
def test_the_workbook_holds_every_figure(a: Assessment) -> None:
    rnd = published(a)
    r = as_user(a.office).get(f"/api/v1/appraisal/rounds/{rnd.pk}/report.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["排名", "指标得分", "加减分", "异议"]
    ranking = list(wb["排名"].iter_rows(min_row=3, values_only=True))
    assert [row[1] for row in ranking] == ["呼和浩特市", "包头市"]
    hohhot = RoundUnit.objects.get(round=rnd, unit=a.hohhot)
    assert ranking[0][2] == float(hohhot.total)
    scores = list(wb["指标得分"].iter_rows(min_row=2, values_only=True))
    assert len(scores) == 2 * 4  # two units × four leaves
    a2 = next(s for s in scores if s[0] == "呼和浩特市" and s[1] == "A2")
    assert a2[5] == 90 and a2[9] == 90


@pytest.mark.django_db
def test_the_report_waits_for_publication_for_the_units(a: Assessment) -> None:
    rnd = a.reviewed()
    unit = as_user(a.coordinator)
    assert unit.get(f"/appraisal/rounds/{rnd.pk}/report.xlsx").status_code == 404
    assert unit.get(f"/api/v1/appraisal/rounds/{rnd.pk}/report.pdf").status_code == 404
    assert as_user(a.office).get(f"/appraisal/rounds/{rnd.pk}/report.xlsx").status_code == 200


@pytest.mark.django_db
def test_round_page_as_the_assessor_and_as_a_unit(a: Assessment) -> None:
    rnd = a.reviewed()
    office = as_user(a.office).get(f"/appraisal/rounds/{rnd.pk}/")
    page = office.content.decode()
    assert office.status_code == 200
    assert "呼和浩特市" in page and "包头市" in page and "发布结果" in page
    unit = as_user(a.coordinator).get(f"/appraisal/rounds/{rnd.pk}/").content.decode()
    assert "呼和浩特市" in unit and "包头市" not in unit and "发布结果" not in unit
    assert "公示期间各单位只能看到本单位的得分" in unit
    card = as_user(a.coordinator).get(f"/appraisal/rounds/{rnd.pk}/units/{a.hohhot.pk}/")
    assert card.status_code == 200 and "提出异议" in card.content.decode()
    other = as_user(a.coordinator).get(f"/appraisal/rounds/{rnd.pk}/units/{a.baotou.pk}/")
    assert other.status_code == 404


@pytest.mark.django_db
def test_objecting_on_the_page_with_evidence_and_upholding(a: Assessment) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    rnd = a.reviewed()
    unit = as_user(a.coordinator)
    url = f"/appraisal/rounds/{rnd.pk}/units/{a.hohhot.pk}/object/"
    bad = unit.post(url, {"indicator": "", "reason": ""})
    assert bad.status_code == 400 and "请" in bad.content.decode()
    evidence = SimpleUploadedFile(
        "调查报告.pdf", b"%PDF-1.4\n%survey\n", content_type="application/pdf"
    )
    r = unit.post(url, {"indicator": "A2", "reason": "调查得分应为 80 分", "attachments": evidence})
    assert r.status_code == 302
    objection = rnd.objections.get()
    assert objection.files.count() == 1
    before = RoundUnit.objects.get(round=rnd, unit=a.hohhot).total
    office = as_user(a.office)
    r = office.post(
        f"/appraisal/objections/{objection.pk}/act/uphold/",
        {
            "uphold-corrected_value": "80",
            "uphold-decision": "属实",
            "uphold-version": objection.version,
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    after = RoundUnit.objects.get(round=rnd, unit=a.hohhot).total
    assert after > before
    page = office.get(f"/appraisal/rounds/{rnd.pk}/").content.decode()
    assert f"{before} → {after}" in page


def _rows(*rows: tuple[str, ...]) -> dict[str, str]:
    fields = ("level", "code", "name", "weight", "source", "rule", "params", "missing")
    out = {}
    for i, row in enumerate(rows):
        for name, value in zip(fields, row, strict=False):
            out[f"rows-{i}-{name}"] = value
    return out


@pytest.mark.django_db
def test_the_scheme_editor_names_the_bad_row_then_saves_a_version(a: Assessment) -> None:
    from qitong.appraisal.models import Scheme

    office = as_user(a.office)
    head = {"code": "ed", "name": "编辑器体系", "scope": "territorial", "objection_days": "5",
            "bands": "好 90\n较好 80\n一般 70\n较差 0"}  # fmt: skip
    rows = [
        ("1", "A", "政务服务", "100"),
        ("2", "A1", "响应率", "60", "hotline.response_rate", "linear", "floor=80 target=100"),
        ("2", "A2", "满意率", "30", "hotline.satisfaction_rate", "frontier", ""),
        ("A", "K1", "问责扣分", "", "supervision.accountability", "deduction", "per=2 cap=6"),
    ]
    bad = office.post("/appraisal/schemes/new/", {**head, **_rows(*rows)})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "下级权重：同一上级下的一级指标权重之和应为 100，现为 90" in page
    assert not Scheme.objects.filter(code="ed").exists()
    rows[2] = ("2", "A2", "满意率", "40", "hotline.satisfaction_rate", "frontier", "")
    ok = office.post("/appraisal/schemes/new/", {**head, **_rows(*rows)})
    assert ok.status_code == 302
    first = Scheme.objects.get(code="ed")
    assert first.indicators.get(code="A1").params["floor"] == 80
    revised = office.post(
        f"/appraisal/schemes/{first.pk}/revise/",
        {**head, "name": "编辑器体系（修订）", **_rows(*rows)},
    )
    assert revised.status_code == 302
    assert Scheme.objects.get(code="ed", version=2).replaces_id == first.pk
    form = office.get(f"/appraisal/schemes/{first.pk}/revise/").content.decode()
    assert 'value="floor=80 target=100"' in form and 'value="per=2 cap=6"' in form
    assert as_user(a.coordinator).get("/appraisal/schemes/new/").status_code == 404


@pytest.mark.django_db
def test_a_boundary_map_is_checked_and_the_ranking_is_drawn_on_it(a: Assessment) -> None:
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    def square(name: str, x: float) -> dict[str, object]:
        ring = [[x, 40], [x + 1, 40], [x + 1, 41], [x, 41], [x, 40]]
        return {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }

    office = as_user(a.office)
    bad = SimpleUploadedFile("m.geojson", b'{"type": "Feature"}', content_type="application/json")
    r = office.post("/appraisal/boundary/", {"file": bad})
    assert r.status_code == 400 and "FeatureCollection" in r.content.decode()
    good = {
        "type": "FeatureCollection",
        "features": [square("呼和浩特市", 111), square("某某盟", 112)],
    }
    upload = SimpleUploadedFile(
        "m.geojson", json.dumps(good).encode(), content_type="application/json"
    )
    r = office.post("/appraisal/boundary/", {"file": upload, "name": "测试边界"}, follow=True)
    page = r.content.decode()
    assert "某某盟" in page and "包头市" in page  # unmatched feature, unit without a boundary
    assert (
        as_user(a.coordinator)
        .get("/appraisal/boundary.geojson")
        .json()["features"][0]["properties"]["name"]
        == "呼和浩特市"
    )
    assert as_user(a.coordinator).get("/appraisal/boundary/").status_code == 404
    rnd = published(a)
    ranking = office.get(f"/appraisal/rounds/{rnd.pk}/").content.decode()
    assert 'data-chart="map-data"' in ranking and "/appraisal/boundary.geojson" in ranking


@pytest.mark.django_db
def test_empty_forms_answer_in_chinese_naming_the_field(a: Assessment) -> None:
    r = as_user(a.office).post("/appraisal/rounds/new/", {})
    page = r.content.decode()
    assert r.status_code == 400 and "请选择指标体系" in page and "请填写考核期间" in page
    assert "This field" not in page and "---------" not in page
    rnd = a.reviewed()
    r = as_user(a.coordinator).post(f"/appraisal/rounds/{rnd.pk}/units/{a.hohhot.pk}/object/", {})
    page = r.content.decode()
    assert r.status_code == 400 and "请选择异议指标" in page and "请填写异议理由" in page
