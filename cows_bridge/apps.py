from django.apps import AppConfig


class CowsBridgeConfig(AppConfig):
    name = "cows_bridge"

    def ready(self) -> None:
        from portal import registry

        from .health import link_report

        registry.add_health_check("cows", link_report)
