from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import PortalSettings, Tenant


@receiver(post_save, sender=Tenant)
def create_portal_settings(sender, instance, created, **kwargs):
    if created:
        from billing.models import PaymentSettings

        PortalSettings.objects.get_or_create(tenant=instance)
        PaymentSettings.objects.get_or_create(tenant=instance)
