from django.db import migrations, models


class Migration(migrations.Migration):
    """Payment states and method kinds are named as the office reads them, translated (only labels change)."""

    dependencies = [
        ("billing", "0007_payment_item_claim_token"),
    ]

    operations = [
        migrations.AlterField(
            model_name="payment",
            name="method_kind",
            field=models.CharField(choices=[("card", "Card"), ("ach", "Bank account")], max_length=10),
        ),
        migrations.AlterField(
            model_name="payment",
            name="state",
            field=models.CharField(choices=[("created", "Not submitted"), ("processing", "Charging"),
                                            ("charged", "Received, posting pending"), ("posted", "Posted"),
                                            ("failed", "Failed"), ("refunded", "Refunded")],
                                   default="created", max_length=12),
        ),
    ]
