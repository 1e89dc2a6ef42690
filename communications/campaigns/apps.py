from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "communications.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns (mass email)"
