from django.apps import AppConfig


class AutopayConfig(AppConfig):
    name = "autopay"
    verbose_name = "AutoPay"

    def ready(self) -> None:
        from . import hooks

        hooks.connect()
