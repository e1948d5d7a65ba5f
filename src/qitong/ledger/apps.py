from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "qitong.ledger"
    label = "ledger"
    verbose_name = "电子台账"

    def ready(self) -> None:
        from qitong.jobs.services import Every, periodic_register

        periodic_register(
            Every(
                "qitong-ledger-checkpoint",
                "qitong.ledger.checkpoints.checkpoint_due",
                300,
                "台账签名检查点（每小时锚定各链链头）",
            )
        )
