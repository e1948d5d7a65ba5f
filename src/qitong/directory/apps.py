from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "qitong.directory"
    label = "directory"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from qitong.directory.models import Department
        from qitong.directory.selectors import ACTIVE_DEPARTMENTS

        ACTIVE_DEPARTMENTS.invalidated_by(Department)
