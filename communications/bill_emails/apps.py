from django.apps import AppConfig


class BillEmailsConfig(AppConfig):
    name = "communications.bill_emails"
    label = "bill_emails"
    verbose_name = "Email Bills"

    def ready(self) -> None:
        from . import hooks

        hooks.connect()
