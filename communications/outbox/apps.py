from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "communications.outbox"
    label = "outbox"
    verbose_name = "Email outbox"
