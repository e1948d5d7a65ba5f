"""Supervision problems for tests, brought to each state by the real actions (never a random
status): the world's Hohhot department answers for them; the region's office (a
province-wide supervisor) registers and supervises; Hohhot's supervisor is the 盟市
coordinator for problems supervised from above."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.supervision.models import Problem
from qitong.supervision.services import defaults_ensure, problem_act, problem_create
from qitong.supervision.states import ProblemState
from tests.factories import World, user

P = ProblemState


def evidence(name: str = "整改照片.pdf") -> ContentFile[bytes]:
    return ContentFile(b"%PDF-1.4\n%test evidence\n", name=name)


@dataclass
class Desk:
    world: World
    office: User

    @property
    def handler(self) -> User:
        return self.world.users["handler"]

    def create(self, **data: Any) -> Problem:
        body = {
            "unit_department": self.world.dept.pk,
            "category": "arrears",
            "problem_class": "B",
            "title": "拖欠工程款未支付",
            "description": "某街道道路硬化项目拖欠施工企业工程款 242 万元。",
            **data,
        }
        problem, _ = problem_create(user=self.office, data=body)
        return problem

    def act(self, problem: Problem, action: str, by: User | None = None, **data: Any) -> Problem:
        files = data.pop("files", ())
        return problem_act(
            pk=problem.pk, action=action, user=by or self.office, data=data, files=files
        )

    def planned(self, problem: Problem) -> Problem:
        """Assigned (if not yet), accepted and planned: rectifying."""
        if problem.state == P.REGISTERED:
            problem = self.act(problem, "assign")
        problem = self.act(problem, "accept", self.handler)
        return self.act(
            problem,
            "plan",
            self.handler,
            plan="整改措施",
            milestones=[{"due_on": _soon(1), "title": "完成整改"}],
        )

    def closed(self, problem: Problem, **data: Any) -> Problem:
        """Through the unit's claim with evidence to 销号."""
        if problem.state in (P.REGISTERED, P.ASSIGNED):
            problem = self.planned(problem)
        problem = self.act(
            problem, "claim_done", self.handler, summary="已整改", files=[evidence()]
        )
        return self.act(problem, "accept_done", **data)

    def reach(self, state: str, **data: Any) -> Problem:
        """A problem in `state`, by the actions a user would take."""
        p = self.create(**data)
        if state == P.REGISTERED:
            return p
        if state == P.DISMISSED:
            return self.act(p, "dismiss", reason="登记有误")
        p = self.act(p, "assign")
        if state == P.ASSIGNED:
            return p
        if state == P.OBJECTED:
            return self.act(p, "object", self.handler, reason="不属于本单位职责")
        p = self.act(p, "accept", self.handler)
        p = self.act(
            p,
            "plan",
            self.handler,
            plan="协调资金，分两批支付",
            milestones=[
                {"due_on": _soon(3), "title": "筹措资金"},
            ],
        )
        if state == P.RECTIFYING:
            return p
        if state == P.LONG_TERM:
            return self.act(
                p,
                "long_term",
                reason="涉及多年预算",
                milestones=[
                    {"due_on": _soon(60), "title": "支付第一笔"},
                    {"due_on": _soon(200), "title": "全部付清"},
                ],
            )
        p = self.act(p, "claim_done", self.handler, summary="已全额支付", files=[evidence()])
        if state == P.PENDING_ACCEPTANCE:
            return p
        assert state == P.CLOSED, state
        return self.act(p, "accept_done", comment="经核实已付清")


def _soon(days: int) -> str:
    from qitong.core import clock

    return (clock.now().date() + dt.timedelta(days=days)).isoformat()


def desk(world: World) -> Desk:
    defaults_ensure()
    office = User.objects.filter(username="sv_office").first() or user(
        "sv_office", Role.SUPERVISOR, region=world.province
    )
    return Desk(world, office)
