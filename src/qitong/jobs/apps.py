from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "qitong.jobs"
    label = "jobs"
    verbose_name = "后台任务"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_periodics, sender=self, dispatch_uid="qitong-periodics")


def _ensure_periodics(sender: AppConfig, **kwargs: object) -> None:
    """Once the jobs tables exist, the apps' periodic jobs have their rows."""
    from qitong.jobs.services import periodics_ensure

    periodics_ensure()
