from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self) -> None:
        from .payments import checks, hooks  # noqa: F401  (checks registers itself)

        hooks.connect()
