from django.db import migrations, models

import billing.payments.models


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0004_payment_transitions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="paymentsettings",
            name="provider",
            field=models.CharField(
                choices=[("none", "Not set up (no online payments)"),
                         ("sandbox", "Sandbox (test payments, no money moves)"), ("stripe", "Stripe")],
                default=billing.payments.models.default_provider, max_length=20),
        ),
    ]
