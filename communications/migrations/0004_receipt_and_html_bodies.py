"""The payment receipt moves from the payment settings to the email templates, and every body becomes HTML.

A city whose receipt subject or body differs from the payment settings' defaults gets an EmailTemplate
row of kind payment_receipt with its words (the body as HTML paragraphs); the others use the new
default. Bodies saved as plain text before the editor existed are turned into paragraphs.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from communications.email_templates import receipt_templates_to_copy
    from communications.rich_text import as_html, looks_like_html

    PaymentSettings = apps.get_model("billing", "PaymentSettings")
    EmailTemplate = apps.get_model("communications", "EmailTemplate")
    for row in EmailTemplate.objects.all():
        if not looks_like_html(row.body):
            row.body = as_html(row.body)
            row.save(update_fields=["body"])
    rows = PaymentSettings.objects.values_list("tenant_id", "receipt_subject", "receipt_body")
    copies = receipt_templates_to_copy(rows, default_subject=PaymentSettings._meta.get_field("receipt_subject").default,
                                       default_body=PaymentSettings._meta.get_field("receipt_body").default)
    EmailTemplate.objects.bulk_create(
        [EmailTemplate(tenant_id=tenant_id, kind="payment_receipt", subject=subject, body=body)
         for tenant_id, subject, body in copies], ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("communications", "0003_emailtemplate"),
        ("billing", "0009_tenant_first_payments"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
