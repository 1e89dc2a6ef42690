# Consent to texts belongs to a portal user at a city (their profile's phone), not to a bare number:
# the table of 0006 was empty, so it is made again.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0006_notification_choices"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="TextConsent"),
        migrations.CreateModel(
            name="TextConsent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("given_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("tenant", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                             related_name="text_consents", to="portal.tenant")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="text_consents", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("tenant", "user"), name="text_consent_tenant_user")],
            },
        ),
    ]
