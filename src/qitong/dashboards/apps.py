from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "qitong.dashboards"
    label = "dashboards"
    verbose_name = "工作台与统计"

    def ready(self) -> None:
        from qitong.core import navigation
        from qitong.dashboards.navigation import DASHBOARD_NAVIGATION

        navigation.register_app(DASHBOARD_NAVIGATION)
