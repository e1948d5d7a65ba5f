from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from qitong.accounts.models import User
from qitong.accounts.requests import user_of
from qitong.core.api import Id, Paged
from qitong.enterprises.models import Contact, Enterprise
from qitong.enterprises.selectors import contacts_of, enterprise_get, enterprise_search
from qitong.enterprises.services import ContactInput, contacts_reveal, enterprise_create
from qitong.enterprises.validators import credit_code_warnings

router = Router(tags=["企业"])


class ContactOut(Schema):
    name: str
    position: str
    phone: str = Field(description="联系电话；除专席和企业本身外显示为掩码（138****0001）")
    phone_kind: str
    is_primary: bool


class RevealIn(Schema):
    reason: str = Field(max_length=200, description="查看事由，如所办工单编号（记入台账）")


class EnterpriseOut(Schema):
    id: int
    credit_code: str
    name: str
    region_code: str
    region: str
    industry: str
    size: str
    address: str
    contacts: list[ContactOut]
    warnings: list[str] = []

    @staticmethod
    def resolve_region_code(obj: Enterprise) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region(obj: Enterprise) -> str:
        return obj.region.name

    @staticmethod
    def resolve_contacts(obj: Enterprise, context: dict[str, Any]) -> list[dict[str, object]]:
        return contacts_of(obj, user_of(context["request"]))

    @staticmethod
    def resolve_warnings(obj: Enterprise) -> list[str]:
        return credit_code_warnings(obj.credit_code)


class ContactIn(Schema):
    name: str
    phone: str
    position: str = ""


class EnterpriseIn(Schema):
    credit_code: str
    name: str
    region: str  # county region code, e.g. 150102
    industry: str
    size: str
    address: str = ""
    contacts: list[ContactIn] = []


def _with_contacts(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    return qs.prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "id"))
    )


@router.get("/enterprises", response=list[EnterpriseOut], summary="按信用代码、名称或电话查找企业")
@paginate(Paged, page_size=20)
def list_enterprises(request: HttpRequest, q: str = "") -> QuerySet[Enterprise]:
    user: User = request.user  # type: ignore[assignment]
    return _with_contacts(enterprise_search(user=user, q=q).order_by("name", "id"))


@router.get("/enterprises/{enterprise_id}", response=EnterpriseOut, summary="企业详情")
def get_enterprise(request: HttpRequest, enterprise_id: Id) -> Enterprise:
    user: User = request.user  # type: ignore[assignment]
    return enterprise_get(user=user, pk=enterprise_id)


@router.post("/enterprises", response={201: EnterpriseOut}, summary="登记企业")
def create_enterprise(request: HttpRequest, payload: EnterpriseIn) -> Status:
    user: User = request.user  # type: ignore[assignment]
    enterprise = enterprise_create(
        credit_code=payload.credit_code,
        name=payload.name,
        region_code=payload.region,
        industry=payload.industry,
        size=payload.size,
        address=payload.address,
        contacts=[ContactInput(c.name, c.phone, c.position) for c in payload.contacts],
        actor=user,
    )
    return Status(201, enterprise)


@router.post(
    "/enterprises/{enterprise_id}/contacts/reveal",
    response=list[ContactOut],
    summary="查看企业联系人的完整电话（承办单位、政策专员、督查；记入台账）",
)
def reveal_contacts(
    request: HttpRequest, enterprise_id: Id, payload: RevealIn
) -> list[dict[str, object]]:
    return contacts_reveal(
        user=user_of(request), enterprise_id=enterprise_id, reason=payload.reason
    )
