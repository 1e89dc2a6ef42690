"""Email Bills after a period close in the real simulator: who gets which bill, once, with its PDF (FAQ 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from billing.accounts import periods
from billing.accounts.services import set_paperless
from billing.accounts.snapshots import store_summary
from communications.bill_emails import runs
from communications.bill_emails.models import BillEmailAccount, BillEmailRun
from communications.bill_emails.tasks import sweep_bill_emails
from communications.email_templates import save_email_template
from communications.mailing import default_template
from communications.outbox.models import OutboundEmail
from cows_bridge import client as cows
from customers.notifications.writes import unsubscribe
from portal.tenancy import tenant_url
from tests.conftest import link_sample
from tests.factories import MembershipFactory, UserFactory

SLUG = "billmail"


@pytest.fixture
def office(own_office, riverton):
    """Riverton talks to an office of this test's own, and the portal has had its first look at its periods."""
    sim = own_office(riverton, SLUG, customers=30, seed=21)
    periods.poll_period_state(tenant=riverton.tenant)
    return sim


def samples(sim):
    return sim.samples(SLUG)


def key_of(sample) -> str:
    return sample["customer_number"].replace("-", "")


def twin(city, sample):
    """A portal user whose email is the one Caselle has on the account, typed in other capitals (FAQ 2's "same")."""
    user = UserFactory(email=sample["email"].upper())
    MembershipFactory(tenant=city.tenant, user=user)
    return user


def go_paperless(city, key: str, on: bool = True) -> None:
    set_paperless(tenant=city.tenant, account_key=key, paperless=on, acting_user=city.clerk)


def close_period(sim, city) -> BillEmailRun:
    """The office closes its period; the portal's poller sees it, and the close starts the period's run."""
    sim.close_period(SLUG)
    assert periods.poll_period_state(tenant=city.tenant) is True
    return BillEmailRun.objects.get(tenant=city.tenant)


def emails(run):
    return OutboundEmail.objects.filter(tenant=run.tenant, source=run.source).order_by("account_number", "to")


def addresses(run) -> list[tuple[str, str, str]]:
    return [(e.account_number, e.to.lower(), e.state) for e in emails(run)]


def with_latest_link(city) -> None:
    """The clerk adds LatestCommunicationLink to the Utility Bills template, as the guide shows."""
    subject, body = default_template("bill_utility")
    save_email_template(tenant=city.tenant, kind="bill_utility", subject=subject,
                        body=body + "<p>News from the city: {LatestCommunicationLink}</p>", acting_user=city.clerk)


def test_each_paperless_accounts_bill_goes_once_to_each_address_with_its_pdf(office, riverton, post):
    first, second = samples(office)
    rosa_key = link_sample(office, riverton, 0)  # rosa@example.org: not the address Caselle has (both get it)
    twin_key = link_sample(office, riverton, 1, user=twin(riverton, second))  # Caselle's own address: once
    go_paperless(riverton, rosa_key)
    go_paperless(riverton, twin_key)
    newsletter = post(riverton, "Fall newsletter")
    with_latest_link(riverton)

    run = close_period(office, riverton)
    assert sweep_bill_emails() == {run.pk: "done"}

    assert addresses(run) == sorted([
        (first["customer_number"], "rosa@example.org", "sent"),
        (first["customer_number"], first["email"].lower(), "sent"),
        (second["customer_number"], second["email"].lower(), "sent"),
    ])
    delivered = sorted((m.to[0].lower(), m.attachments[0][0]) for m in mail.outbox)  # the test mailer's inbox
    assert [to for to, _name in delivered] == sorted(["rosa@example.org", first["email"].lower(),
                                                      second["email"].lower()])
    assert all(m.attachments[0][1].startswith(b"%PDF-") for m in mail.outbox)
    bill = cows.get_bills(riverton.tenant, rosa_key)[0]
    assert bill.period_id == run.period_id
    to_rosa = emails(run).get(to="rosa@example.org")
    assert to_rosa.kind == "bill_utility" and to_rosa.category == "bills"
    assert to_rosa.key == f"bill:{bill.bill_id}:{rosa_key}:rosa@example.org"
    assert to_rosa.subject == f"Your City of Riverton utility bill for account {first['customer_number']}"
    assert f"{first['first_name']} {first['last_name']}" in to_rosa.text
    assert f"${bill.total_due:,.2f}" in to_rosa.text
    pdf_url = tenant_url(riverton.tenant, path=reverse("communications:pdf", args=[newsletter.pk]))
    assert f'News from the city: <a href="{pdf_url}" rel="noopener noreferrer">Fall newsletter</a>' in to_rosa.html
    assert pdf_url in to_rosa.text
    attachment = to_rosa.attachment
    assert attachment.filename == f"bill-{first['customer_number']}-{run.period_label}.pdf"
    assert attachment.content_type == "application/pdf"
    with attachment.file.open("rb") as f:
        assert f.read().startswith(b"%PDF-")
    assert set(BillEmailAccount.objects.filter(run=run).values_list("account_key", "state", "recipients")) == {
        (rosa_key, "queued", 2), (twin_key, "queued", 1)}


def test_a_second_sweep_a_restarted_walk_and_a_second_close_signal_queue_nothing_new(office, riverton):
    key = link_sample(office, riverton, 0)
    go_paperless(riverton, key)
    run = close_period(office, riverton)
    assert runs.work_on_run(run_id=run.pk) == "done"
    before = list(emails(run).values_list("id", "key"))
    assert len(before) == 2

    assert sweep_bill_emails() == {}  # nothing due
    assert runs.start_run(tenant=riverton.tenant, period_id=run.period_id, period_label=run.period_label) is None
    # A worker that died before recording its progress: the walk starts over from the first account.
    BillEmailRun.objects.filter(pk=run.pk).update(state="walking", cursor="", due_at=timezone.now(),
                                                  finished_at=None)
    assert sweep_bill_emails() == {run.pk: "done"}
    assert list(emails(run).values_list("id", "key")) == before
    assert BillEmailRun.objects.count() == 1


def test_a_paper_account_gets_nothing(office, riverton):
    paper_key = link_sample(office, riverton, 0)
    paperless_key = link_sample(office, riverton, 1)
    go_paperless(riverton, paper_key, on=False)  # Send Paper Statement ticked in Caselle
    go_paperless(riverton, paperless_key)

    run = close_period(office, riverton)
    runs.work_on_run(run_id=run.pk)

    sent_for = {e.account_number.replace("-", "") for e in emails(run)}
    assert sent_for == {paperless_key}
    assert not BillEmailAccount.objects.filter(run=run, account_key=paper_key).exists()


def test_a_paperless_account_with_no_portal_user_gets_it_at_caselles_address(office, riverton):
    """The portal read it once (a landlord's account, say) but nobody linked it: Splitter's address still gets it."""
    first = samples(office)[0]
    store_summary(tenant=riverton.tenant, summary=cows.set_paperless(riverton.tenant, key_of(first), paperless=True))

    run = close_period(office, riverton)
    runs.work_on_run(run_id=run.pk)

    assert addresses(run) == [(first["customer_number"], first["email"].lower(), "sent")]


def test_an_unsubscribed_address_is_recorded_and_not_sent_while_the_other_still_gets_it(office, riverton):
    first = samples(office)[0]
    key = link_sample(office, riverton, 0)
    go_paperless(riverton, key)
    unsubscribe(tenant=riverton.tenant, address=first["email"], category="bills")

    run = close_period(office, riverton)
    runs.work_on_run(run_id=run.pk)

    assert addresses(run) == sorted([(first["customer_number"], "rosa@example.org", "sent"),
                                     (first["customer_number"], first["email"].lower(), "suppressed")])


def test_a_bill_whose_pdf_is_not_there_yet_waits_and_goes_when_it_comes(office, riverton):
    key = link_sample(office, riverton, 0)
    go_paperless(riverton, key)
    bill_id = f"{cows.get_bills(riverton.tenant, key)[0].bill_id}"
    run = close_period(office, riverton)
    newest = cows.get_bills(riverton.tenant, key)[0]
    assert newest.bill_id != bill_id and newest.period_id == run.period_id
    office.set_missing_pdfs(SLUG, [newest.bill_id])

    assert runs.work_on_run(run_id=run.pk) == "waiting"
    run.refresh_from_db()
    assert run.state == "waiting" and run.due_at > timezone.now() + timedelta(minutes=29)
    assert not emails(run).exists()
    assert BillEmailAccount.objects.get(run=run).state == "waiting_pdf"
    assert sweep_bill_emails() == {}  # not due yet

    office.set_missing_pdfs(SLUG, [])
    later = timezone.now() + runs.PDF_RETRY
    assert runs.work_on_run(run_id=run.pk, now=later) == "done"
    assert emails(run).count() == 2
    assert BillEmailAccount.objects.get(run=run).state == "queued"


def test_a_pdf_that_never_comes_is_given_up_after_a_day_of_looks(office, riverton):
    key = link_sample(office, riverton, 0)
    go_paperless(riverton, key)
    run = close_period(office, riverton)
    office.set_missing_pdfs(SLUG, [cows.get_bills(riverton.tenant, key)[0].bill_id])

    outcome, when = runs.work_on_run(run_id=run.pk), timezone.now()
    looks = 1
    while outcome == "waiting":
        when += runs.PDF_RETRY
        outcome = runs.work_on_run(run_id=run.pk, now=when)
        looks += 1
    assert (outcome, looks) == ("done", runs.PDF_TRIES)
    assert BillEmailAccount.objects.get(run=run).state == "gave_up"
    assert not emails(run).exists()


def test_when_cows_is_down_the_run_waits_and_goes_on_later(office, riverton):
    key = link_sample(office, riverton, 0)
    go_paperless(riverton, key)
    run = close_period(office, riverton)
    office.set_fault(operation="*", mode="error", status=503, office=SLUG)

    assert runs.work_on_run(run_id=run.pk) == "cows_unavailable"
    run.refresh_from_db()
    assert run.state == "walking" and run.last_error == "unavailable" and run.due_at > timezone.now()
    assert not emails(run).exists()

    office.clear_faults()
    assert runs.work_on_run(run_id=run.pk, now=run.due_at) == "done"
    assert emails(run).count() == 2


def test_a_close_whose_signal_was_lost_is_caught_up_by_the_sweep(office, riverton):
    key = link_sample(office, riverton, 0)
    go_paperless(riverton, key)
    run = close_period(office, riverton)
    run.delete()  # as if the receiver had never run

    sweep_bill_emails()

    run = BillEmailRun.objects.get(tenant=riverton.tenant)
    assert run.state == "done" and emails(run).count() == 2


def test_a_claimed_run_is_not_worked_on_by_a_second_worker(office, riverton):
    key = link_sample(office, riverton, 0)
    go_paperless(riverton, key)
    run = close_period(office, riverton)
    assert runs.claim_run(run_id=run.pk, now=timezone.now()) is not None

    assert runs.work_on_run(run_id=run.pk) == "skipped"
    assert sweep_bill_emails() == {}
    assert not emails(run).exists()
    # The first worker died: once its claim runs out, the sweep takes the run over.
    later = timezone.now() + runs.CLAIM_FOR + timedelta(seconds=1)
    assert runs.work_on_run(run_id=run.pk, now=later) == "done"
    assert emails(run).count() == 2


def test_an_account_caselle_marks_inactive_gets_the_final_bills_template(office, riverton):
    """Caselle closes an account with a final bill; the simulator keeps every account active, so its answer is
    changed here the way Caselle would give it."""
    from dataclasses import replace

    from communications.bill_emails.selection import plan_account
    from communications.selectors import latest_communication_link

    first = samples(office)[0]
    key = link_sample(office, riverton, 0)
    go_paperless(riverton, key)
    run = close_period(office, riverton)
    summary = replace(cows.get_account(riverton.tenant, key), active=False)

    outcome = plan_account(tenant=riverton.tenant, summary=summary, period_id=run.period_id,
                           period_label=run.period_label, portal=["rosa@example.org"],
                           latest=latest_communication_link(tenant=riverton.tenant))

    assert outcome.state == "queued" and outcome.email.kind == "bill_final"
    assert outcome.email.to == ("rosa@example.org", first["email"])
    assert outcome.email.pdf.startswith(b"%PDF-")


def test_one_accounts_unreadable_pdf_leaves_that_account_waiting_and_the_others_go(office, riverton):
    first_key = link_sample(office, riverton, 0)
    second_key = link_sample(office, riverton, 1)
    go_paperless(riverton, first_key)
    go_paperless(riverton, second_key)
    run = close_period(office, riverton)
    office.set_fault(operation="bill_pdf", mode="malformed", variant="not_json", times=1, office=SLUG)

    assert runs.work_on_run(run_id=run.pk) == "waiting"
    states = dict(BillEmailAccount.objects.filter(run=run).values_list("account_key", "state"))
    assert sorted(states.values()) == ["queued", "waiting_pdf"]
    waiting = next(k for k, state in states.items() if state == "waiting_pdf")
    assert {e.account_number.replace("-", "") for e in emails(run)} == {first_key, second_key} - {waiting}

    assert runs.work_on_run(run_id=run.pk, now=timezone.now() + runs.PDF_RETRY) == "done"
    assert {e.account_number.replace("-", "") for e in emails(run)} == {first_key, second_key}
    assert emails(run).count() == 4
