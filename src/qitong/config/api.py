"""API wiring: the one NinjaAPI (core.api) with the accounts' token auth and every app's
router. Apps own their routers; only this module knows them all."""

from __future__ import annotations

from ninja.security import SessionAuth

from qitong.accounts.api import router as accounts_router
from qitong.accounts.auth import BearerTokenAuth
from qitong.appraisal.api import router as appraisal_router
from qitong.area_assessments.api import router as area_router
from qitong.arrears.api import router as arrears_router
from qitong.core.api import build_api
from qitong.dashboards.api import router as dashboards_router
from qitong.directory.api import router as directory_router
from qitong.enterprises.api import router as enterprises_router
from qitong.knowledge.api import router as knowledge_router
from qitong.reforms.api import router as reforms_router
from qitong.routing.api import router as routing_router
from qitong.supervision.api import public_router as public_supervision_router
from qitong.supervision.api import router as supervision_router
from qitong.tickets.api import router as tickets_router

api = build_api(auth=[BearerTokenAuth(), SessionAuth()])
for router in (
    accounts_router,
    directory_router,
    enterprises_router,
    tickets_router,
    knowledge_router,
    routing_router,
    dashboards_router,
    reforms_router,
    supervision_router,
    public_supervision_router,
    arrears_router,
    appraisal_router,
    area_router,
):
    api.add_router("", router)
