from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from qitong.accounts.models import User
from qitong.core.api import Paged
from qitong.directory.models import Department, Region
from qitong.directory.selectors import departments_visible_to, region_subtree, regions_visible_to

router = Router(tags=["组织机构"])


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_code: str | None

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.parent.code if obj.parent is not None else None


class RegionFilter(Schema):
    level: str | None = None
    parent: str | None = None  # a parent region code
    name: str | None = None


@router.get("/regions", response=list[RegionOut], summary="行政区划（GB/T 2260）")
@paginate(Paged, page_size=200)
def list_regions(request: HttpRequest, filters: Query[RegionFilter]) -> QuerySet[Region]:
    user: User = request.user  # type: ignore[assignment]
    qs = regions_visible_to(user)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    if filters.name:
        qs = qs.filter(name__contains=filters.name)
    return qs


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    level: str
    region: str
    region_code: str

    @staticmethod
    def resolve_region(obj: Department) -> str:
        return obj.region.name

    @staticmethod
    def resolve_region_code(obj: Department) -> str:
        return obj.region.code


class DepartmentFilter(Schema):
    name: str | None = None
    region: str | None = None  # a region code; includes the regions below it
    level: str | None = None


@router.get("/departments", response=list[DepartmentOut], summary="承办单位")
@paginate(Paged, page_size=100)
def list_departments(
    request: HttpRequest, filters: Query[DepartmentFilter]
) -> QuerySet[Department]:
    user: User = request.user  # type: ignore[assignment]
    qs = departments_visible_to(user)
    if filters.name:
        qs = qs.filter(name__contains=filters.name)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.region:
        region = Region.objects.filter(code=filters.region).first()
        qs = qs.filter(region__in=region_subtree(region)) if region else qs.none()
    return qs
