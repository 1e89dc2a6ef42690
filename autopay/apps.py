from django.apps import AppConfig


class AutopayConfig(AppConfig):
    name = "autopay"
