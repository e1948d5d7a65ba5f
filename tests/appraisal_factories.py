"""Appraisal for tests, built by the real services: the world's two cities as reporting units,
the region's office (the assessor), a territorial scheme over the platform's sources and a
manual item, and rounds moved by the real actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.appraisal.models import Round, Scheme
from qitong.appraisal.periods import quarter_of
from qitong.appraisal.schemes import scheme_create
from qitong.appraisal.services import objection_file, round_act, round_create
from qitong.core.workdays import local_today
from qitong.reforms.models import ReportingUnit
from qitong.reforms.services import reporting_units_ensure
from tests.factories import World, user

LINEAR = {"floor": 0, "target": 100}


def city_scheme_body(**over: Any) -> dict[str, Any]:
    return {
        "code": "city",
        "name": "盟市营商环境季度考核",
        "scope": "territorial",
        "objection_days": 5,
        "indicators": [
            {
                "code": "A",
                "name": "政务服务",
                "weight": 60,
                "children": [
                    {"code": "A1", "name": "12345 响应率", "weight": 50,
                     "source": "hotline.response_rate", "rule": "linear", "params": LINEAR},
                    {"code": "A2", "name": "第三方满意度调查", "weight": 50,
                     "source": "manual", "rule": "linear", "params": LINEAR, "missing": "zero"},
                ],
            },
            {
                "code": "B",
                "name": "清欠与整改",
                "weight": 40,
                "children": [
                    {"code": "B1", "name": "清欠进度", "weight": 60,
                     "source": "arrears.clearance_rate", "rule": "linear", "params": LINEAR},
                    {"code": "B2", "name": "问题按期整改率", "weight": 40,
                     "source": "supervision.rectified_on_time", "rule": "linear", "params": LINEAR},
                ],
            },
        ],
        "adjustments": [
            {"code": "X1", "name": "问责扣分", "rule": "deduction",
             "source": "supervision.accountability", "params": {"per": 2, "cap": 6}},
        ],
        **over,
    }  # fmt: skip


@dataclass
class Assessment:
    world: World
    office: User
    scheme: Scheme
    hohhot: ReportingUnit
    baotou: ReportingUnit
    baotou_supervisor: User

    @property
    def period(self) -> str:
        return quarter_of(local_today()).key

    @property
    def coordinator(self) -> User:  # Hohhot's supervisor
        return self.world.users["supervisor"]

    def round(self, period: str | None = None) -> Round:
        return round_create(user=self.office, scheme=self.scheme.pk, period=period or self.period)

    def act(self, rnd: Round, action: str, by: User | None = None, **data: Any) -> Round:
        return round_act(pk=rnd.pk, action=action, user=by or self.office, data=data)

    def reviewed(self) -> Round:
        """A round computed and opened for review."""
        rnd = self.act(self.round(), "compute")
        return self.act(rnd, "open_review")

    def object(self, rnd: Round, by: User | None = None, **data: Any) -> Any:
        body = {"indicator": "A2", "reason": "第三方调查报告已提交，得分 80 分", **data}
        return objection_file(user=by or self.coordinator, round_id=rnd.pk, data=body)[0]


def assessment(world: World) -> Assessment:
    reporting_units_ensure()
    office = user("assessor", Role.SUPERVISOR, region=world.province)
    scheme = scheme_create(user=office, data=city_scheme_body())
    return Assessment(
        world,
        office,
        scheme,
        ReportingUnit.objects.get(code="150100"),
        ReportingUnit.objects.get(code="150200"),
        user("baotou_supervisor", Role.SUPERVISOR, region=world.baotou),
    )


def as_user(u: User) -> Client:
    c = Client()
    c.force_login(u)
    return c
