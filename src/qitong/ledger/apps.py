from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "qitong.ledger"
    label = "ledger"
    verbose_name = "电子台账"
