from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import PortalSettings, Tenant


@receiver(post_save, sender=Tenant)
def create_portal_settings(sender, instance, created, **kwargs):
    if created:
        from billing.models import PaymentSettings

        PortalSettings.objects.get_or_create(tenant=instance)
        PaymentSettings.objects.get_or_create(tenant=instance)


def _forget(sender, **kwargs):
    from .tenancy import forget_tenants

    forget_tenants()


def connect_tenant_cache() -> None:
    """Saving or deleting a tenant or its settings clears the resolved-tenant cache."""
    from django.db.models.signals import post_delete

    from billing.models import PaymentSettings

    for model in (Tenant, PortalSettings, PaymentSettings):
        post_save.connect(_forget, sender=model, dispatch_uid=f"forget-tenants-save-{model.__name__}")
        post_delete.connect(_forget, sender=model, dispatch_uid=f"forget-tenants-delete-{model.__name__}")
