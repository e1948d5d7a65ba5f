"""Admin pages for the directory: regions, policy domains, departments, desks, specialists.

Every save is ledgered (ledger.modeladmin.LedgeredModelAdmin); nothing is deleted, departments, desks
and specialists are deactivated instead. Departments and specialists have "导出 Excel" and
"导入 Excel" buttons (directory.excel).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import content_disposition_header

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.core.checks import calendar_warning, uncovered_years
from qitong.core.errors import DomainError
from qitong.core.models import HolidayOverride
from qitong.directory import excel
from qitong.directory.excel import departments as department_sheet
from qitong.directory.excel import specialists as specialist_sheet
from qitong.directory.excel.workbook import export_filename
from qitong.directory.holidays import holidays_load
from qitong.directory.models import (
    Department,
    Desk,
    Language,
    PolicyDomain,
    Region,
    RegionLevel,
    Specialist,
)
from qitong.enterprises.validators import normalize_phone
from qitong.ledger.modeladmin import ActivatableModelAdmin, LedgeredModelAdmin, request_actor

MAX_PROBLEMS_SHOWN = 200
EXCEL_CHANGE_LIST = "admin/directory/change_list_excel.html"


# --- filters ----------------------------------------------------------------------------------


class CityFilter(admin.SimpleListFilter):
    """Filter by 盟市 (its whole subtree) or by the province's own level (本级)."""

    title = "所属盟市"
    parameter_name = "city"
    region_path = "region"

    def _lookup(self, suffix: str) -> str:
        return f"{self.region_path}__{suffix}" if self.region_path else suffix

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        top = Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY])
        return [
            (r.code, f"{r.name}（本级）" if r.level == RegionLevel.PROVINCE else r.name)
            for r in top.order_by("sort_order", "code")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        region = Region.objects.filter(code=value).first()
        if region is None:
            return queryset.none()
        if region.level == RegionLevel.PROVINCE:
            return queryset.filter(**{self._lookup("code"): region.code})
        return queryset.filter(**{self._lookup("code__startswith"): region.prefix})


def city_filter(region_path: str) -> type[CityFilter]:
    return type("CityFilter", (CityFilter,), {"region_path": region_path})


# --- forms ------------------------------------------------------------------------------------


class PhoneFormMixin:
    """Normalise an optional `phone` field (+86, spaces, hyphens) with the shared validator."""

    cleaned_data: dict[str, Any]

    def clean_phone(self) -> str:
        raw = (self.cleaned_data.get("phone") or "").strip()
        return normalize_phone(raw).number if raw else ""


class DepartmentAdminForm(PhoneFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Department
        fields = (
            "code",
            "name",
            "short_name",
            "region",
            "level",
            "kind",
            "parent",
            "is_business_env_authority",
            "reply_needs_signoff",
            "phone",
            "active",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        region, level, parent = data.get("region"), data.get("level"), data.get("parent")
        if region is not None and level and level != region.level:
            label = Department._meta.get_field("level").choices
            expected = dict(label or [])[region.level]
            self.add_error("level", f"层级与所属区划不符：{region.name}的部门应为「{expected}」")
        cursor, hops = parent, 0
        while cursor is not None and self.instance.pk and hops < 50:
            if cursor.pk == self.instance.pk:
                self.add_error("parent", "上级业务部门不能是本部门或其下级部门")
                break
            cursor, hops = cursor.parent, hops + 1
        return data


class SpecialistAdminForm(PhoneFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    languages = forms.MultipleChoiceField(
        label="服务语言",
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Language.CHINESE],
    )

    class Meta:
        model = Specialist
        fields = (
            "code",
            "name",
            "phone",
            "user",
            "department",
            "region",
            "domains",
            "languages",
            "capacity",
            "duty_hours",
            "on_duty",
            "active",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
                role=Role.SPECIALIST
            ).order_by("username")
            self.fields["user"].help_text = "只能选择角色为「政策专员」的账号"

    def clean_languages(self) -> list[str]:
        order = list(Language.values)
        return sorted(self.cleaned_data["languages"], key=order.index)


class ExcelUploadForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件",
        help_text=f"仅支持 .xlsx，不超过 {excel.MAX_UPLOAD_BYTES // (1024 * 1024)} MB；"
        "建议先导出现有数据作为模板。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


# --- Excel buttons ----------------------------------------------------------------------------


class ExcelAdminMixin:
    """Adds export/ and import/ views; set `change_list_template = EXCEL_CHANGE_LIST` for the
    two buttons on the change list."""

    excel_stem = ""
    excel_export: Callable[[QuerySet[Any]], bytes]
    excel_import: Callable[..., excel.ImportResult]
    export_queryset: Callable[[QuerySet[Any]], QuerySet[Any]]

    # Provided by ModelAdmin.
    opts: Any
    admin_site: Any
    model: Any
    get_changelist_instance: Callable[[HttpRequest], Any]
    get_queryset: Callable[[HttpRequest], QuerySet[Any]]
    has_view_permission: Callable[..., bool]
    has_add_permission: Callable[..., bool]
    has_change_permission: Callable[..., bool]
    message_user: Callable[..., None]

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="{}_{}_export".format(*info),
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The change list's current selection (filters and search) as .xlsx."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            queryset = self.get_queryset(request)
        data = self.excel_export(self.export_queryset(queryset))
        response = HttpResponse(data, content_type=excel.XLSX_CONTENT_TYPE)
        filename = export_filename(self.excel_stem, clock.now().date())
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = ExcelUploadForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                excel.check_upload(upload.name or "", upload.size or 0)
                data = upload.read(excel.MAX_UPLOAD_BYTES + 1)
                result = self.excel_import(data, actor=request_actor(request))
            except excel.ExcelImportFailed as exc:
                problems = exc.problems
            except DomainError as exc:  # e.g. the ledger's Conflict when someone saved meanwhile
                problems = [exc.message]
            else:
                self.message_user(request, f"导入完成：{result.summary()}。", messages.SUCCESS)
                info = self.opts.app_label, self.opts.model_name
                return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"导入 Excel：{self.opts.verbose_name}",
            "form": form,
            "problems": problems[:MAX_PROBLEMS_SHOWN],
            "problems_hidden": max(0, len(problems) - MAX_PROBLEMS_SHOWN),
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/directory/excel_import.html", context)


# --- model admins -----------------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(LedgeredModelAdmin):
    list_display = ("code", "name", "level", "parent", "sort_order")
    list_filter = ("level", city_filter(""))
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    ordering = ("sort_order", "code")
    autocomplete_fields = ("parent",)
    list_per_page = 150


@admin.register(PolicyDomain)
class PolicyDomainAdmin(LedgeredModelAdmin):
    list_display = ("code", "name", "sort_order", "specialist_count")
    search_fields = ("code", "name")
    ordering = ("sort_order", "code")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PolicyDomain]:
        return super().get_queryset(request).annotate(specialist_count=Count("specialists"))

    @admin.display(description="专员数", ordering="specialist_count")
    def specialist_count(self, obj: Any) -> int:
        return int(obj.specialist_count)


@admin.register(Department)
class DepartmentAdmin(ExcelAdminMixin, ActivatableModelAdmin):
    form = DepartmentAdminForm
    list_display = (
        "code",
        "name",
        "region",
        "level",
        "kind",
        "is_business_env_authority",
        "active",
    )
    list_filter = ("level", city_filter("region"), "is_business_env_authority", "active")
    search_fields = ("code", "name", "short_name", "kind")
    list_select_related = ("region",)
    autocomplete_fields = ("region", "parent")
    ordering = ("region__sort_order", "region__code", "code")
    fieldsets = (
        (None, {"fields": ("code", "name", "short_name", "region", "level")}),
        (
            "职能与隶属",
            {"fields": ("kind", "parent", "is_business_env_authority", "reply_needs_signoff")},
        ),
        ("联系与状态", {"fields": ("phone", "active")}),
    )
    change_list_template = EXCEL_CHANGE_LIST
    excel_stem = "承办单位"
    excel_export = staticmethod(excel.export_departments)
    excel_import = staticmethod(excel.import_departments)
    export_queryset = staticmethod(department_sheet.export_queryset)


@admin.register(Desk)
class DeskAdmin(ActivatableModelAdmin):
    list_display = ("code", "name", "region", "phone", "staff_count", "active")
    list_filter = (city_filter("region"), "active")
    search_fields = ("code", "name")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Desk]:
        return super().get_queryset(request).annotate(staff_count=Count("staff"))

    @admin.display(description="坐席人数", ordering="staff_count")
    def staff_count(self, obj: Any) -> int:
        return int(obj.staff_count)


@admin.register(Specialist)
class SpecialistAdmin(ExcelAdminMixin, ActivatableModelAdmin):
    form = SpecialistAdminForm
    list_display = (
        "code",
        "name",
        "department",
        "region",
        "domain_list",
        "language_list",
        "capacity",
        "on_duty",
        "active",
    )
    list_filter = ("on_duty", "active", "domains", city_filter("region"))
    search_fields = ("code", "name", "phone", "department__name")
    list_select_related = ("department", "region")
    autocomplete_fields = ("department", "region")
    filter_horizontal = ("domains",)
    ledger_m2m_fields = ("domains",)
    fieldsets = (
        (None, {"fields": ("code", "name", "phone", "user")}),
        ("服务范围", {"fields": ("department", "region", "domains", "languages")}),
        ("受理", {"fields": ("capacity", "duty_hours", "on_duty", "active")}),
    )
    change_list_template = EXCEL_CHANGE_LIST
    excel_stem = "政策专员"
    excel_export = staticmethod(excel.export_specialists)
    excel_import = staticmethod(excel.import_specialists)
    export_queryset = staticmethod(specialist_sheet.export_queryset)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Specialist]:
        return super().get_queryset(request).prefetch_related("domains")

    @admin.display(description="政策领域")
    def domain_list(self, obj: Specialist) -> str:
        return "、".join(d.name for d in obj.domains.all())

    @admin.display(description="服务语言")
    def language_list(self, obj: Specialist) -> str:
        labels = dict(Language.choices)
        return "、".join(str(labels.get(code, code)) for code in obj.languages)


class HolidayNoticeForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    notice = forms.CharField(
        label="通知文号或标题",
        max_length=200,
        required=False,
        help_text="如：国务院办公厅关于2027年部分节假日安排的通知",
    )
    text = forms.CharField(
        label="节假日安排",
        widget=forms.Textarea(
            attrs={
                "rows": 14,
                "cols": 60,
                "placeholder": (
                    "日期,安排,说明\n2027-01-01~2027-01-03,休,元旦\n2027-02-06,班,春节调休补班"
                ),
            }
        ),
        help_text="每行一段：日期或日期范围（用 ~ 连接）、休或班、说明。按通知原文逐条填写放假与调休上班的日期。",
    )


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(LedgeredModelAdmin):
    """Holidays and 调休 for years chinese-calendar does not cover, and local days off; the
    State Council's annual notice is loaded in one go (载入年度节假日安排)."""

    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    date_hierarchy = "date"
    change_list_template = "admin/directory/holidayoverride_change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "load/",
                self.admin_site.admin_view(self.load_view),
                name="core_holidayoverride_load",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        years = uncovered_years()
        context = {
            **(extra_context or {}),
            "calendar_warning": calendar_warning(years) if years else "",
        }
        return super().changelist_view(request, extra_context=context)

    def load_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        years = uncovered_years()
        form = HolidayNoticeForm(
            request.POST or None, initial={"year": years[-1] if years else None}
        )
        if request.method == "POST" and form.is_valid():
            try:
                loaded = holidays_load(
                    year=form.cleaned_data["year"],
                    text=form.cleaned_data["text"],
                    notice=form.cleaned_data["notice"],
                    actor=request_actor(request),
                )
            except DomainError as exc:
                for name, message in (exc.fields or {"text": exc.message}).items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                self.message_user(request, f"已载入：{loaded.summary()}。", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:core_holidayoverride_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "载入年度节假日安排",
            "form": form,
            "calendar_warning": calendar_warning(years) if years else "",
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/directory/holidays_load.html", context)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A mistaken entry is corrected by editing it; the ledger keeps what it said before.
        return False
