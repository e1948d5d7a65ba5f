from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qitong.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self) -> None:
        from django.core import checks

        from qitong.core.checks import calendar_coverage
        from qitong.core.models import CalendarYear, HolidayOverride
        from qitong.core.workdays import CALENDAR_CACHE

        CALENDAR_CACHE.invalidated_by(HolidayOverride)
        CALENDAR_CACHE.invalidated_by(CalendarYear)
        checks.register(calendar_coverage)
