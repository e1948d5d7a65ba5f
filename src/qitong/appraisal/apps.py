from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "qitong.appraisal"
    label = "appraisal"
    verbose_name = "考核评估"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from qitong.appraisal import handlers  # noqa: F401 # the machines' handlers register
        from qitong.appraisal.navigation import APPRAISAL_NAVIGATION
        from qitong.core import navigation

        navigation.register_app(APPRAISAL_NAVIGATION)
