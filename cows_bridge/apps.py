from django.apps import AppConfig


class CowsBridgeConfig(AppConfig):
    name = "cows_bridge"
