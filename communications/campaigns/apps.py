from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "communications.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns (mass email)"

    def ready(self) -> None:
        from communications import services

        from .selectors import why_communication_is_held

        services.add_delete_guard(why_communication_is_held)
