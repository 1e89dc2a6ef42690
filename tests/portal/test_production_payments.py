"""The sandbox never takes money in production; outside production a sandbox city says it is in test mode."""

import pytest
from django.core.checks import run_checks

from billing.payments.availability import PaymentsNotSetUp
from billing.payments.models import PaymentSettings
from billing.payments.providers import get_provider
from portal.models import Tenant

from ..adminpanel.test_reauth import confirmed
from ..factories import TenantFactory
from .test_settings import PROD, run_manage

NOT_SET_UP = "Online payments are not set up yet"
TEST_MODE = "Test mode: no money moves."


def use_sandbox(tenant) -> None:
    """As a city made before production refused the sandbox would still be."""
    PaymentSettings.objects.filter(tenant=tenant).update(provider=PaymentSettings.Provider.SANDBOX)
    tenant.refresh_from_db()
    assert Tenant.objects.get(pk=tenant.pk).payment_settings.provider == "sandbox"


def use_stripe(tenant) -> None:
    s = tenant.payment_settings
    s.provider = PaymentSettings.Provider.STRIPE
    s.stripe_publishable_key, s.stripe_secret_key = "pk_test_city", "sk_test_city"
    s.save()


@pytest.fixture
def production(settings):
    import portal.urls  # noqa: F401  (mounted as in the tests' development settings, before the switch)

    settings.PRODUCTION = True
    return settings


def test_every_pay_page_says_payments_are_not_set_up_in_production_on_the_sandbox(
        production, cows, riverton, account, client_for, anon_client):
    use_sandbox(riverton.tenant)
    riverton.tenant.portal_settings.office_phone = "555-0142"
    riverton.tenant.portal_settings.save()
    rosa, guest = client_for(riverton.resident, riverton.tenant), anon_client(riverton.tenant)
    pages = [(rosa, f"/pay/utility/{account}/"), (rosa, "/pay/other/"), (rosa, "/pay/cart/"),
             (guest, "/pay/other/"), (guest, "/pay/cart/")]
    for client, url in pages:
        for response in (client.get(url), client.post(url, {"amount": "10.00", "token": "tok_4242"})):
            body = response.content.decode()
            assert response.status_code == 200, url
            assert NOT_SET_UP in body and "555-0142" in body, url
            assert "pay-form" not in body and "data-tokenize-url" not in body, url
    assert riverton.tenant.payments.count() == 0


def test_pay_pages_take_payments_outside_production_on_the_sandbox(cows, riverton, account, client_for):
    body = client_for(riverton.resident, riverton.tenant).get(f"/pay/utility/{account}/").content.decode()
    assert NOT_SET_UP not in body and 'data-tokenize-url="/sandboxpay/tokens"' in body


def test_the_provider_refuses_the_sandbox_in_production(production, riverton):
    use_sandbox(riverton.tenant)
    with pytest.raises(PaymentsNotSetUp, match="sandbox provider is refused in production"):
        get_provider(riverton.tenant)


def test_the_office_cannot_choose_the_sandbox_in_production(production, riverton, client_for):
    carl = confirmed(client_for(riverton.clerk, riverton.tenant))
    page = carl.get("/office/settings/providers/").content.decode()
    assert 'value="stripe"' in page and 'value="none"' in page and 'value="sandbox"' not in page
    from adminpanel.forms import ProviderForm

    form = ProviderForm(data={"provider": "sandbox"}, instance=riverton.tenant.payment_settings)
    assert not form.is_valid() and "provider" in form.errors


def test_the_office_may_choose_the_sandbox_outside_production(riverton, client_for):
    page = confirmed(client_for(riverton.clerk, riverton.tenant)).get("/office/settings/providers/").content.decode()
    assert 'value="sandbox"' in page


def test_a_new_city_in_production_has_no_provider_until_set_up(production, db):
    city = TenantFactory(slug="newtown", name="Newtown")
    assert Tenant.objects.get(pk=city.pk).payment_settings.provider == PaymentSettings.Provider.NOT_SET_UP


def test_a_new_city_outside_production_starts_on_the_sandbox(db):
    assert TenantFactory(slug="devtown").payment_settings.provider == PaymentSettings.Provider.SANDBOX


def test_start_up_names_each_active_city_whose_payments_are_not_set_up(production, riverton, lakeside):
    use_sandbox(riverton.tenant)
    use_stripe(lakeside.tenant)
    TenantFactory(slug="closed", name="Closed Town", is_active=False)
    warnings = [w for w in run_checks(databases=["default"]) if w.id == "billing.W001"]
    assert [w.obj for w in warnings] == ["riverton"]
    assert "City of Riverton" in warnings[0].msg


def test_start_up_says_nothing_about_payments_outside_production(riverton):
    assert not [w for w in run_checks(databases=["default"]) if w.id == "billing.W001"]


def test_sandbox_urls_are_not_mounted_in_production(tmp_path):
    probe = ("from django.urls import resolve, Resolver404\n"
             "try:\n    resolve('/sandboxpay/tokens'); print('mounted')\n"
             "except Resolver404:\n    print('absent')\n")
    from cryptography.fernet import Fernet

    env = {"FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(), **PROD}
    production = run_manage(tmp_path, env, "shell", "--no-imports", "-c", probe)
    development = run_manage(tmp_path, {}, "shell", "--no-imports", "-c", probe)
    assert production.stdout.strip() == "absent", production.stderr
    assert development.stdout.strip() == "mounted", development.stderr


def test_every_page_of_a_sandbox_city_shows_the_test_mode_banner(riverton, client_for, anon_client):
    rosa, guest = client_for(riverton.resident, riverton.tenant), anon_client(riverton.tenant)
    for client, url in ((guest, "/"), (guest, "/accounts/login/"), (guest, "/no-such-page/"),
                        (rosa, "/"), (rosa, "/profile/")):
        assert TEST_MODE in client.get(url).content.decode(), url


def test_a_stripe_city_and_production_show_no_test_mode_banner(settings, riverton, lakeside, anon_client):
    use_stripe(lakeside.tenant)
    assert TEST_MODE not in anon_client(lakeside.tenant).get("/").content.decode()
    settings.PRODUCTION = True
    assert TEST_MODE not in anon_client(riverton.tenant).get("/").content.decode()
