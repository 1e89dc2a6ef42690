"""Re-encrypt every saved secret with the newest key of FIELD_ENCRYPTION_KEY (then old keys can go)."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.encryption import SecretField


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            names = [f.name for f in model._meta.concrete_fields if isinstance(f, SecretField)]
            if not names:
                continue
            with transaction.atomic():
                for row in model._default_manager.select_for_update().iterator():
                    row.save(update_fields=names)  # read with any listed key, written with the newest
                    total += 1
        self.stdout.write(f"Re-encrypted {total} rows.")
