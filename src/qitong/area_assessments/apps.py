from django.apps import AppConfig


class AreaAssessmentsConfig(AppConfig):
    name = "qitong.area_assessments"
    label = "area_assessments"
    verbose_name = "区域评估成果"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from qitong.area_assessments import services  # noqa: F401 # the machine's handlers register
        from qitong.area_assessments.navigation import AREA_NAVIGATION
        from qitong.core import navigation
        from qitong.jobs.services import Every, periodic_register

        navigation.register_app(AREA_NAVIGATION)

        periodic_register(
            Every(
                name="area_assessments.sweep",
                func="qitong.area_assessments.tasks.results_sweep",
                seconds=6 * 3600,
                purpose="区域评估成果：过有效期的自动失效",
            )
        )
