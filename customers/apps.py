from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"

    def ready(self) -> None:
        from . import adapters  # noqa: F401  (connects the login signal)
        from . import user_cache

        user_cache.connect()
