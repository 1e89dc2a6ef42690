"""Secrets at rest: the Stripe keys and each city's COWS API key are encrypted in their columns and dumps.

Every database runs the raw-column checks (a cursor reads what is really stored). The pg_dump test
is marked `postgres` and collected only when the tests run on PostgreSQL (tests/conftest.py), as
CI does: SQLite has no pg_dump, and a test that is not collected cannot pass by skipping.
"""

import io
import json
import os
import shutil
import subprocess
from urllib.parse import urlparse

import pytest
from cryptography.fernet import Fernet
from django.core import serializers
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from billing.payments.models import PaymentSettings, ProviderAccount
from billing.payments.providers import current_account
from portal.models import Tenant
from tests.stripe_fixtures import configure_stripe

COWS_KEY = "cows-key-RIVERTON-4f1e9d"


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def secrets_saved(riverton):
    """Riverton with a COWS API key, Stripe keys in its settings, and the provider account they make."""
    tenant = riverton.tenant
    tenant.cows_api_key = COWS_KEY
    tenant.save()
    city = configure_stripe(tenant)
    account = current_account(tenant)
    return {"tenant": tenant, "account": account, "values": [COWS_KEY, city.secret_key, city.webhook_secret]}


def test_each_secret_column_holds_a_token_and_reads_back_as_the_secret(secrets_saved):
    tenant, account = secrets_saved["tenant"], secrets_saved["account"]
    cows_key, secret_key, webhook_secret = secrets_saved["values"]
    stored = {
        ("portal_tenant", "cows_api_key", tenant.pk): cows_key,
        ("billing_paymentsettings", "stripe_secret_key", tenant.payment_settings.pk): secret_key,
        ("billing_paymentsettings", "stripe_webhook_secret", tenant.payment_settings.pk): webhook_secret,
        ("billing_provideraccount", "secret_key", account.pk): secret_key,
        ("billing_provideraccount", "webhook_secret", account.pk): webhook_secret,
    }
    for (table, column, pk), secret in stored.items():
        value = raw(table, column, pk)
        assert secret not in value and value.startswith("gAAAAA"), (table, column)
    assert Tenant.objects.get(pk=tenant.pk).cows_api_key == cows_key
    assert PaymentSettings.objects.get(tenant=tenant).stripe_secret_key == secret_key
    assert ProviderAccount.objects.get(pk=account.pk).webhook_secret == webhook_secret


def test_dumpdata_shows_none_of_the_secrets_and_loads_back(secrets_saved):
    out = io.StringIO()
    call_command("dumpdata", "portal", "billing", stdout=out)
    dump = out.getvalue()
    for secret in secrets_saved["values"]:
        assert secret not in dump
    tenants = [o.object for o in serializers.deserialize("json", dump) if isinstance(o.object, Tenant)]
    assert [t.cows_api_key for t in tenants if t.slug == "riverton"] == [COWS_KEY]


def test_rotation_reads_with_an_old_key_and_writes_with_the_newest(secrets_saved, settings):
    tenant = secrets_saved["tenant"]
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert Tenant.objects.get(pk=tenant.pk).cows_api_key == COWS_KEY
    call_command("rotate_field_encryption", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert Tenant.objects.get(pk=tenant.pk).cows_api_key == COWS_KEY
    assert PaymentSettings.objects.get(tenant=tenant).stripe_secret_key == secrets_saved["values"][1]


def test_a_secret_no_listed_key_opens_stops_with_a_message_naming_the_setting(secrets_saved, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        Tenant.objects.get(pk=secrets_saved["tenant"].pk)


@pytest.fixture
def pg_dump_command():
    """pg_dump of the test database, as an operator's backup would take it."""
    url = urlparse(os.environ["DATABASE_URL"])
    exe = shutil.which("pg_dump") or "/usr/lib/postgresql/15/bin/pg_dump"
    return [exe, "--data-only", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432),
            "-U", url.username or "postgres", connection.settings_dict["NAME"]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # committed, so pg_dump's own connection sees the rows
def test_pg_dump_shows_none_of_the_secrets(riverton, pg_dump_command):
    tenant = riverton.tenant
    tenant.cows_api_key = COWS_KEY
    tenant.save()
    city = configure_stripe(tenant)
    current_account(tenant)
    dump = subprocess.run(pg_dump_command, capture_output=True, text=True, timeout=120, check=True).stdout
    assert "billing_provideraccount" in dump and "portal_tenant" in dump
    for secret in (COWS_KEY, city.secret_key, city.webhook_secret):
        assert secret not in dump
    assert json.dumps(COWS_KEY) not in dump


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_existing_secrets_and_give_old_payments_their_account():
    from django.db.migrations.executor import MigrationExecutor

    before = [("portal", "0001_initial"), ("billing", "0005_provider_not_set_up")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    tenant = old.get_model("portal", "Tenant").objects.create(slug="oldtown", name="Old Town", cows_api_key=COWS_KEY)
    old.get_model("billing", "PaymentSettings").objects.create(
        tenant_id=tenant.id, provider="stripe", stripe_publishable_key="pk_test_old", stripe_secret_key="sk_test_old",
        stripe_webhook_secret="whsec_old")
    Payment = old.get_model("billing", "Payment")
    common = {"tenant_id": tenant.id, "amount": 10, "fee": 1, "total": 11, "method_kind": "card", "method_token": "t"}
    Payment.objects.create(reference="OLD1", idempotency_key="k1", provider="stripe", **common)
    Payment.objects.create(reference="OLD2", idempotency_key="k2", provider="sandbox", **common)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from billing.payments.models import Payment as NewPayment

    stripe_payment, sandbox_payment = NewPayment.objects.filter(tenant_id=tenant.id).order_by("reference")
    assert stripe_payment.provider_account.secret_key == "sk_test_old"
    assert stripe_payment.provider_account.webhook_secret == "whsec_old"
    assert sandbox_payment.provider_account.provider == "sandbox"
    assert raw("portal_tenant", "cows_api_key", tenant.id).startswith("gAAAAA")
    assert Tenant.objects.get(pk=tenant.id).cows_api_key == COWS_KEY
    settings_row = PaymentSettings.objects.get(tenant_id=tenant.id)
    assert "sk_test_old" not in raw("billing_paymentsettings", "stripe_secret_key", settings_row.pk)
    assert settings_row.stripe_secret_key == "sk_test_old"
