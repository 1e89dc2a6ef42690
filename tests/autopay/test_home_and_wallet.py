"""AutoPay where the customer already is: each account's card, right after linking, Bills and Payments, the wallet."""

from __future__ import annotations

from autopay.models import Enrollment, ScheduledPayment
from billing.payments.models import PaymentMethod
from tests.autopay.conftest import enroll, saved_method, summary
from tests.conftest import link_sample

from .pages import base, body


def test_each_account_card_says_on_with_the_schedule_or_off(riverton, office, rosa_key, card, client_for):
    other = link_sample(office, riverton, 1)
    enroll(riverton, rosa_key, card, days=3, maximum="150")
    page = body(client_for(riverton.resident, riverton.tenant).get("/utility/"))
    assert (f'<a href="{base(rosa_key)}">Manage AutoPay</a> <span>On: 3 days before the due date, up to $150.00, '
            f'Visa •••• 4242</span>') in page
    assert f'<a href="{base(other)}">Manage AutoPay</a> <span>Off</span>' in page


def test_a_card_whose_autopay_someone_else_runs_says_so_without_their_method(riverton, office, rosa_key, larry,
                                                                             client_for):
    link_sample(office, riverton, 0, user=larry)
    enroll(riverton, rosa_key, saved_method(riverton, larry), user=larry)
    page = body(client_for(riverton.resident, riverton.tenant).get("/utility/"))
    assert "On, set up by another person who pays it" in page and "4242" not in page


def test_the_home_page_query_count_stays_flat_with_autopay_on_several_accounts(
        riverton, office, rosa_key, card, client_for, django_assert_max_num_queries):
    client = client_for(riverton.resident, riverton.tenant)
    enroll(riverton, rosa_key, card)
    client.get("/utility/")
    with django_assert_max_num_queries(9) as one:
        client.get("/utility/")
    second = link_sample(office, riverton, 1)
    enroll(riverton, second, card)
    client.get("/utility/")
    with django_assert_max_num_queries(9) as two:
        assert "Visa •••• 4242" in body(client.get("/utility/"))
    assert len(two.captured_queries) == len(one.captured_queries)
    assert body(client.get("/utility/")).count("On: 3 days before the due date") == 2


def test_right_after_linking_autopay_is_offered_once(riverton, office, client_for):
    s = office.samples("autopay-office")[0]
    client = client_for(riverton.resident, riverton.tenant)
    response = client.post("/utility/link/", {"customer_number": s["customer_number"], "last_name": s["last_name"]},
                           follow=True)
    page = body(response)
    key = s["customer_number"].replace("-", "")
    assert f"Account {s['customer_number']} is linked. What next?" in page
    assert f'<a class="button" href="{base(key)}schedule/">Set up AutoPay</a>' in page
    assert "Continue to the Homepage" in page
    assert "What next?" not in body(client.get("/utility/"))


def test_linking_an_account_whose_autopay_someone_else_runs_offers_nothing(riverton, office, rosa_key, larry,
                                                                           client_for):
    enroll(riverton, rosa_key, saved_method(riverton, riverton.resident))
    s = office.samples("autopay-office")[0]
    response = client_for(larry, riverton.tenant).post(
        "/utility/link/", {"customer_number": s["customer_number"], "last_name": s["last_name"]}, follow=True)
    assert "What next?" not in body(response) and "Set up AutoPay" not in body(response)


def test_bills_and_payments_links_to_manage_autopay(riverton, rosa_key, client_for):
    page = body(client_for(riverton.resident, riverton.tenant).get(f"/utility/accounts/{rosa_key}/history/"))
    assert f'<a href="{base(rosa_key)}">Manage AutoPay</a> <span>Off</span>' in page


def test_deleting_the_card_autopay_uses_asks_first_naming_the_account(riverton, rosa_key, card, client_for):
    enroll(riverton, rosa_key, card)
    number = summary(riverton, rosa_key).customer_number
    response = client_for(riverton.resident, riverton.tenant).post(f"/pay/wallet/{card.id}/delete/")
    assert response.status_code == 200
    assert (f"AutoPay for account {number} uses this card: deleting it turns AutoPay off for that account."
            in body(response))
    card.refresh_from_db()
    assert card.deleted_at is None and Enrollment.objects.get().ended_at is None


def test_confirming_the_delete_ends_that_autopay_then_deletes_the_method(riverton, rosa_key, card, client_for):
    done = enroll(riverton, rosa_key, card)
    client = client_for(riverton.resident, riverton.tenant)
    response = client.post(f"/pay/wallet/{card.id}/delete/", {"confirm": "yes"}, follow=True)
    page = body(response)
    assert "Visa •••• 4242 was removed from your wallet." in page
    assert f"AutoPay is off for account {done.enrollment.customer_number}." in page
    enrollment = Enrollment.objects.get()
    assert enrollment.ended_at is not None and enrollment.end_reason == "payment method deleted"
    assert ScheduledPayment.objects.get().state == "cancelled"
    card.refresh_from_db()
    assert card.deleted_at is not None


def test_a_method_nothing_uses_is_deleted_without_asking(riverton, checking, client_for):
    response = client_for(riverton.resident, riverton.tenant).post(f"/pay/wallet/{checking.id}/delete/")
    assert response.status_code == 302
    assert PaymentMethod.objects.get().deleted_at is not None


def test_deleting_rejects_get(riverton, card, client_for):
    assert client_for(riverton.resident, riverton.tenant).get(f"/pay/wallet/{card.id}/delete/").status_code == 405
