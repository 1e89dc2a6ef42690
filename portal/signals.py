from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import PortalSettings, Tenant


@receiver(post_save, sender=Tenant)
def create_portal_settings(sender, instance, created, **kwargs):
    if created:
        PortalSettings.objects.get_or_create(tenant=instance)


def forget_on_change(sender, **kwargs):
    from .tenancy import forget_tenants

    forget_tenants()


def connect_tenant_cache(*models) -> None:
    """Saving or deleting a tenant or its settings (any app's, loaded with it) clears the resolved-tenant cache."""
    from django.db.models.signals import post_delete

    for model in models or (Tenant, PortalSettings):
        post_save.connect(forget_on_change, sender=model, dispatch_uid=f"forget-tenants-save-{model.__name__}")
        post_delete.connect(forget_on_change, sender=model, dispatch_uid=f"forget-tenants-delete-{model.__name__}")
