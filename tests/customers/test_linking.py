from decimal import Decimal

import pytest


from billing.formatting import money
from customers.models import LinkAttempt, LinkedAccount

NO_MATCH = "We couldn&#x27;t find an account with that customer number"
TOO_MANY = "Too many tries"


def sample(sim, slug="riverton", i=0):
    return sim.samples(slug)[i]


def dashed_to_spaced(number: str) -> str:
    return number.replace("-", " ")


def test_link_with_dashes_and_lower_case_last_name_shows_the_office_balance(cows, riverton, client_for):
    s = sample(cows)
    client = client_for(riverton.resident, riverton.tenant)
    response = client.post("/utility/link/", {"customer_number": s["customer_number"],
                                              "last_name": "  " + s["last_name"].lower() + " "})
    assert response.status_code == 302
    office = cows.get(f"/accounts/{s['customer_number']}", office="riverton").json()
    body = client.get("/utility/").content.decode()
    assert s["customer_number"] in body
    assert office["service_address"] in body
    assert money(Decimal(office['balance_due'])) in body


@pytest.mark.parametrize("typed", ["{digits}", "{dots}", "{spaces}"])
def test_customer_number_may_be_typed_without_dashes(cows, riverton, client_for, typed):
    s = sample(cows)
    number = s["customer_number"]
    typed = typed.format(digits=number.replace("-", ""), dots=number.replace("-", "."), spaces=dashed_to_spaced(number))
    client = client_for(riverton.resident, riverton.tenant)
    assert client.post("/utility/link/", {"customer_number": typed, "last_name": s["last_name"]}).status_code == 302
    assert LinkedAccount.objects.get(user=riverton.resident).customer_number == number


def test_link_by_last_billed_amount_with_dollar_sign_and_commas(cows, riverton, client_for):
    s = sample(cows, i=1)
    amount = Decimal(cows.get(f"/accounts/{s['customer_number']}", office="riverton").json()["last_billed_amount"])
    client = client_for(riverton.resident, riverton.tenant)
    response = client.post("/utility/link/", {"customer_number": s["customer_number"],
                                              "last_billed_amount": f"${amount:,.2f}"})
    assert response.status_code == 302
    assert LinkedAccount.objects.filter(user=riverton.resident, customer_number=s["customer_number"]).exists()


def test_wrong_name_and_wrong_number_get_the_same_message(cows, riverton, client_for):
    s = sample(cows)
    client = client_for(riverton.resident, riverton.tenant)
    wrong_name = client.post("/utility/link/", {"customer_number": s["customer_number"], "last_name": "Nobody"})
    wrong_number = client.post("/utility/link/", {"customer_number": "999-9999-99", "last_name": s["last_name"]})
    wrong_amount = client.post("/utility/link/", {"customer_number": s["customer_number"], "last_billed_amount": "0.01"})
    for response in (wrong_name, wrong_number, wrong_amount):
        assert response.status_code == 200
        assert NO_MATCH in response.content.decode()
    assert not LinkedAccount.objects.exists()
    assert LinkAttempt.objects.filter(outcome="failed").count() == 3


@pytest.mark.parametrize("data, message", [
    ({"customer_number": "", "last_name": "Smith"}, "This field is required."),
    ({"customer_number": "ABC-123", "last_name": "Smith"}, "only digits"),
    ({"customer_number": "001-0042-00"}, "Enter the last name on the account, or the amount"),
    ({"customer_number": "001-0042-00", "last_billed_amount": "twelve"}, "Enter the amount as a number, like 45.67."),
    ({"customer_number": "001-0042-00", "last_billed_amount": "-5"}, "The amount must be more than zero."),
])
def test_bad_input_gets_a_clear_message_and_is_not_counted_as_a_guess(cows, riverton, client_for, data, message):
    response = client_for(riverton.resident, riverton.tenant).post("/utility/link/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LinkAttempt.objects.exists()


def test_linking_an_account_already_linked_says_so(cows, riverton, client_for):
    s = sample(cows)
    client = client_for(riverton.resident, riverton.tenant)
    data = {"customer_number": s["customer_number"], "last_name": s["last_name"]}
    client.post("/utility/link/", data)
    response = client.post("/utility/link/", data, follow=True)
    assert "is already linked to your profile" in response.content.decode()
    assert LinkedAccount.objects.filter(user=riverton.resident).count() == 1


def test_several_users_may_link_the_same_account_and_unlinking_is_each_their_own(cows, riverton, larry, client_for):
    s = sample(cows)
    data = {"customer_number": s["customer_number"], "last_name": s["last_name"]}
    rosa = client_for(riverton.resident, riverton.tenant)
    larry_client = client_for(larry, riverton.tenant)
    rosa.post("/utility/link/", data)
    larry_client.post("/utility/link/", data)
    link = LinkedAccount.objects.get(user=riverton.resident)
    confirm = rosa.get(f"/utility/links/{link.id}/unlink/")
    assert "Unlink account" in confirm.content.decode()
    assert LinkedAccount.objects.filter(pk=link.pk).exists()  # asking is not doing
    assert rosa.post(f"/utility/links/{link.id}/unlink/").status_code == 302
    assert not LinkedAccount.objects.filter(user=riverton.resident).exists()
    assert LinkedAccount.objects.filter(user=larry).exists()
    # Larry cannot unlink through Rosa's old link id, nor Rosa through Larry's.
    larry_link = LinkedAccount.objects.get(user=larry)
    assert rosa.post(f"/utility/links/{larry_link.id}/unlink/").status_code == 404


def test_office_admin_can_link_an_account_to_their_own_user(cows, riverton, client_for):
    s = sample(cows)
    client = client_for(riverton.clerk, riverton.tenant)
    assert client.post("/utility/link/", {"customer_number": s["customer_number"],
                                          "last_name": s["last_name"]}).status_code == 302
    assert s["customer_number"] in client.get("/utility/").content.decode()


def test_a_hundred_scripted_guesses_are_stopped_and_reveal_nothing(cows, riverton, client_for):
    s = sample(cows)
    client = client_for(riverton.resident, riverton.tenant)
    bodies = []
    for i in range(100):
        guess = f"001-{i:04d}-00"
        bodies.append(client.post("/utility/link/", {"customer_number": guess, "last_name": "Smith"}).content.decode())
    assert sum(NO_MATCH in b for b in bodies) == 5
    assert all(TOO_MANY in b for b in bodies[5:])
    # Nothing about the guessed accounts that do exist leaks into the answers.
    existing = [r.json() for r in (cows.get(f"/accounts/001-{i:04d}-00", office="riverton") for i in range(100))
                if r.status_code == 200]
    assert len(existing) > 5
    for account in existing:
        assert not any(account["service_address"] in b or f">{account['last_name']}<" in b for b in bodies)
    # Even the right answer is refused while the limit holds.
    right = client.post("/utility/link/", {"customer_number": s["customer_number"], "last_name": s["last_name"]})
    assert TOO_MANY in right.content.decode()
    assert not LinkedAccount.objects.exists()
    # The blocked tries did not reach the office's system.
    assert LinkAttempt.objects.filter(outcome="failed").count() == 5


def test_guesses_from_one_ip_across_many_users_are_limited(cows, riverton, client_for):
    from tests.factories import MembershipFactory, UserFactory

    results = []
    for i in range(8):
        user = UserFactory(email=f"guesser{i}@example.org")
        MembershipFactory(tenant=riverton.tenant, user=user)
        client = client_for(user, riverton.tenant)
        for j in range(4):
            body = client.post("/utility/link/", {"customer_number": f"002-{i:02d}{j:02d}-00", "last_name": "Smith"},
                               REMOTE_ADDR="203.0.113.9").content.decode()
            results.append(TOO_MANY in body)
    assert results.count(False) == 20
    assert all(results[20:])


def test_client_ip_comes_from_the_trusted_proxy_hop(cows, riverton, client_for, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client = client_for(riverton.resident, riverton.tenant)
    # The client sets a fake left-most address; the proxy appends the real one.
    client.post("/utility/link/", {"customer_number": "003-0001-00", "last_name": "X"},
                REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert LinkAttempt.objects.get().client_ip == "198.51.100.7"


def test_another_citys_account_cannot_be_linked_even_with_the_right_name(cows, riverton, lakeside, client_for):
    s = sample(cows, "riverton")
    # Only Riverton's office knows this account: Lakeside's has no account with its number.
    assert cows.get(f"/accounts/{s['customer_number']}", office="lakeside").status_code == 404
    client = client_for(lakeside.resident, lakeside.tenant)
    response = client.post("/utility/link/", {"customer_number": s["customer_number"], "last_name": s["last_name"]})
    assert NO_MATCH in response.content.decode()
    assert not LinkedAccount.objects.exists()
    assert s["customer_number"] not in client.get("/utility/").content.decode()


def test_simulator_down_while_linking_says_so_and_does_not_count(cows, riverton, client_for):
    s = sample(cows)
    cows.set_fault(operation="*", mode="error", status=503)
    response = client_for(riverton.resident, riverton.tenant).post(
        "/utility/link/", {"customer_number": s["customer_number"], "last_name": s["last_name"]})
    assert "can&#x27;t reach the city&#x27;s billing system" in response.content.decode()
    assert LinkAttempt.objects.get().outcome == "unavailable"


def test_link_attempts_are_kept_90_days_then_forgotten_by_the_daily_task(riverton, lakeside):
    from datetime import timedelta

    from django.utils import timezone

    from customers.tasks import forget_old_link_attempts
    from portal.celery import app

    now = timezone.now()
    for city in (riverton, lakeside):
        for days in (91, 89):
            LinkAttempt.objects.create(tenant=city.tenant, user=city.resident, attempted_at=now - timedelta(days=days),
                                       outcome=LinkAttempt.Outcome.FAILED, tried_last_name="Typed", caselle_last_name="Kept")
    assert forget_old_link_attempts() == 2
    kept = LinkAttempt.objects.order_by("tenant__slug").values_list("tenant__slug", "attempted_at")
    assert [slug for slug, _at in kept] == ["lakeside", "riverton"]
    assert all(now - at < timedelta(days=90) for _slug, at in kept)
    assert any(entry["task"] == "customers.tasks.forget_old_link_attempts" for entry in app.conf.beat_schedule.values())
