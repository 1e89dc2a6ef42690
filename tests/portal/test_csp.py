"""A content security policy on every page: scripts from us (and Stripe, for a Stripe city), inline ones only by nonce."""

import re

from billing.payments.models import PaymentSettings

HEADER = "Content-Security-Policy"


def directives(response) -> dict[str, list[str]]:
    policy = response[HEADER]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def nonce_of(response) -> str:
    [nonce] = [s[len("'nonce-"):-1] for s in directives(response)["script-src"] if s.startswith("'nonce-")]
    return nonce


def scripts(response) -> list[str]:
    """The page's script tags that run (JSON data blocks never do)."""
    tags = re.findall(r"<script\b[^>]*>", response.content.decode())
    return [tag for tag in tags if 'type="application/json"' not in tag]


def use_stripe(tenant) -> None:
    s = tenant.payment_settings
    s.provider = PaymentSettings.Provider.STRIPE
    s.stripe_publishable_key, s.stripe_secret_key = "pk_test_city", "sk_test_city"
    s.save()


def every_page_kind(cows, riverton, account, client_for, anon_client, client):
    rosa, carl, guest = (client_for(riverton.resident, riverton.tenant), client_for(riverton.clerk, riverton.tenant),
                         anon_client(riverton.tenant))
    return {
        "landing": guest.get("/"),
        "login": guest.get("/accounts/login/"),
        "home": rosa.get("/"),
        "pay page": rosa.get(f"/pay/utility/{account}/"),
        "guest pay page": guest.get("/pay/other/"),
        "graphs": rosa.get(f"/utility/accounts/{account}/graphs/"),
        "office page": carl.get("/office/"),
        "404": rosa.get("/no-such-page/"),
        "directory": client.get("/", HTTP_HOST="localhost"),
    }


def test_every_page_kind_sends_the_policy(cows, riverton, account, client_for, anon_client, client):
    for kind, response in every_page_kind(cows, riverton, account, client_for, anon_client, client).items():
        policy = directives(response)
        assert policy["default-src"] == ["'self'"], kind
        assert policy["script-src"][0] == "'self'" and "'unsafe-inline'" not in policy["script-src"], kind
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], kind
        assert policy["base-uri"] == ["'none'"] and policy["form-action"][0] == "'self'", kind


def test_every_script_on_a_page_carries_that_pages_nonce(cows, riverton, account, client_for, anon_client, client):
    seen = set()
    for kind, response in every_page_kind(cows, riverton, account, client_for, anon_client, client).items():
        tags = scripts(response)
        assert tags, kind  # htmx at least
        nonce = nonce_of(response)
        assert all(f'nonce="{nonce}"' in tag for tag in tags), (kind, tags)
        seen.add(nonce)
    assert len(seen) == 9  # a fresh nonce per response


def test_stripe_sources_appear_only_for_a_city_that_pays_through_stripe(
        settings, riverton, lakeside, anon_client):
    settings.STRIPE_JS_URL, settings.STRIPE_API_BASE = "https://js.stripe.com/v3/", ""
    use_stripe(lakeside.tenant)
    sandbox = directives(anon_client(riverton.tenant).get("/pay/other/"))
    assert not any("stripe" in source for sources in sandbox.values() for source in sources)
    stripe = directives(anon_client(lakeside.tenant).get("/"))
    assert "https://js.stripe.com" in stripe["script-src"] and "https://*.js.stripe.com" in stripe["script-src"]
    assert stripe["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert {"https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"} <= set(stripe["frame-src"])


def test_payment_pages_have_the_same_policy_as_every_other_page(cows, riverton, account, client_for):
    rosa = client_for(riverton.resident, riverton.tenant)
    pay, home = directives(rosa.get(f"/pay/utility/{account}/")), directives(rosa.get("/"))
    assert {k: v for k, v in pay.items() if k != "script-src"} == {k: v for k, v in home.items() if k != "script-src"}
    assert [s for s in pay["script-src"] if not s.startswith("'nonce-")] == ["'self'"]
