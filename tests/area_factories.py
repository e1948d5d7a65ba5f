"""Area assessments for tests, through the real services: two zones in the world's two cities
(one with a square boundary), the world's Hohhot department as the approving department,
a data bureau with its own handler, and results moved by the real actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.area_assessments.defaults import items_ensure
from qitong.area_assessments.models import AssessmentType, Project, Result, Zone
from qitong.area_assessments.services import project_create, result_act, result_create, use_create
from qitong.core.workdays import local_today
from tests.factories import World, department, user

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[111.0, 40.0], [112.0, 40.0], [112.0, 41.0], [111.0, 41.0], [111.0, 40.0]]],
}


@dataclass
class Registry:
    world: World
    hohhot_zone: Zone
    baotou_zone: Zone
    bureau: User  # the data bureau's handler
    items: dict[str, AssessmentType]

    @property
    def handler(self) -> User:
        return self.world.users["handler"]

    def body(self, **over: Any) -> dict[str, Any]:
        today = local_today()
        return {
            "zone": self.hohhot_zone.pk,
            "type": self.items["environment"].pk,
            "title": "呼和浩特经济技术开发区区域环境影响评价",
            "commissioned_by": "呼和浩特经济技术开发区管委会",
            "assessed_by": "内蒙古环境科学研究院",
            "document_number": "内环审〔2025〕12号",
            "approved_on": (today - dt.timedelta(days=30)).isoformat(),
            "valid_until": (today + dt.timedelta(days=365 * 5)).isoformat(),
            "conditions": "区内工业项目，不含化工、冶炼",
            "obligations": "告知承诺",
            **over,
        }

    def draft(self, **over: Any) -> Result:
        return result_create(user=self.handler, data=self.body(**over))[0]

    def act(self, r: Result, action: str, by: User | None = None, **data: Any) -> Result:
        return result_act(pk=r.pk, action=action, user=by or self.handler, data=data)

    def published(self, **over: Any) -> Result:
        return self.act(self.draft(**over), "publish")

    def project(self, code: str = "2025-150102-44-03-000101", **over: Any) -> Project:
        data = {"code": code, "name": "乳制品加工项目", "owner_name": "呼和浩特测试科技有限公司",
                "zone": self.hohhot_zone.pk, "investment": "50000", **over}  # fmt: skip
        return project_create(user=self.handler, data=data)

    def use(self, project: Project, result: Result, **over: Any) -> Any:
        data = {"project": project.pk, "result": result.pk, "approval": "环评审批",
                "saved_days": 30, "saved_money": "12.5", **over}  # fmt: skip
        return use_create(user=self.handler, data=data)[0]


def registry(world: World) -> Registry:
    items_ensure(AssessmentType)
    hohhot = Zone.objects.create(
        code="HH-ETDZ",
        name="呼和浩特经济技术开发区",
        level="national",
        region=world.hohhot,
        boundary=SQUARE,
    )
    baotou = Zone.objects.create(
        code="BT-DX", name="包头稀土高新区", level="national", region=world.baotou
    )
    bureau_dept = department("自治区政务服务与数据管理局", world.province, is_data_authority=True)
    bureau = user("bureau", Role.HANDLER, department=bureau_dept)
    return Registry(
        world, hohhot, baotou, bureau, {t.code: t for t in AssessmentType.objects.all()}
    )
