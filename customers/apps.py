from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"

    def ready(self) -> None:
        from . import adapters  # noqa: F401  (connects the login signal)
        from . import user_cache

        user_cache.connect()

        from allauth.account.signals import email_changed

        from .notifications.writes import email_changed as carry_notification_choices

        email_changed.connect(carry_notification_choices, dispatch_uid="customers.notifications.email_changed")
