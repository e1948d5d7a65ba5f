from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "qitong.directory"
    label = "directory"
    verbose_name = "组织机构"
