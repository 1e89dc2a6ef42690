from django.apps import AppConfig


class EmailEventsConfig(AppConfig):
    name = "communications.events"
    label = "email_events"
    verbose_name = "Email Events"
