from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "qitong.enterprises"
    label = "enterprises"
    verbose_name = "企业"
