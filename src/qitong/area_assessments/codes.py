"""The 24-character investment project code (投资项目代码) of the national online approval
platform: `YYYY-RRRRRR-II-TT-NNNNNN` — the year it was assigned, the 6-digit region code of
the approving authority, the 2-digit industry (国民经济行业门类/大类 as the platform codes it),
the 2-digit kind of project (01 审批, 02 核准, 03 备案) and a 6-digit sequence. Pure: the
region's existence is the caller's to check."""

from __future__ import annotations

import re

CODE_RE = re.compile(r"^(\d{4})-(\d{6})-(\d{2})-(\d{2})-(\d{6})$")
KINDS = {"01": "审批", "02": "核准", "03": "备案"}


def check_project_code(code: object, *, this_year: int) -> tuple[str, str | None]:
    """(the code normalised, None) or (the text, why it is not a project code)."""
    text = str(code or "").strip().upper().replace("—", "-").replace("－", "-")
    if len(text) != 24:
        return (
            text,
            f"项目代码应为 24 位（含 4 个连字符），如 2022-150203-44-03-012345，现为 {len(text)} 位",
        )
    found = CODE_RE.match(text)
    if not found:
        return (
            text,
            "项目代码格式应为 年份-区划代码-行业代码-项目类型-流水号，如 2022-150203-44-03-012345",
        )
    year, region, industry, kind, sequence = found.groups()
    if not 2014 <= int(year) <= this_year:  # the platform assigns codes since 2014
        return text, f"项目代码的年份 {year} 不在 2014 年至 {this_year} 年之间"
    if region[:2] == "00":
        return text, f"项目代码的区划代码 {region} 无效"
    if industry == "00":
        return text, "项目代码的行业代码不能为 00"
    if kind not in KINDS:
        return text, f"项目代码的项目类型应为 01（审批）、02（核准）或 03（备案），现为 {kind}"
    if sequence == "000000":
        return text, "项目代码的流水号不能为 000000"
    return text, None
