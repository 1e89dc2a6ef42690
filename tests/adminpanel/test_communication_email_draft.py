"""Utility Communications → Email it to customers: a mass email draft in the city's New communication words."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.core import mail

from communications.campaigns import queuing
from communications.campaigns.models import Campaign
from communications.email_templates import save_email_template
from communications.outbox.models import OutboundEmail
from communications.templates_registry import KINDS
from customers.models import LinkedAccount
from portal.tenancy import tenant_url

from ..communications.campaign_helpers import make_people
from ..communications.conftest import PDF, post  # noqa: F401  (the fixture)
from .audit_helpers import audit_rows

LIST = "/office/utility/communications/"


def email_url(communication) -> str:
    return f"{LIST}{communication.pk}/email/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def pdf_link(city, communication) -> str:
    return tenant_url(city.tenant, path=f"/communications/{communication.pk}/pdf/")


@pytest.fixture
def clerk(riverton, client_for):
    return client_for(riverton.clerk, riverton.tenant)


def test_the_button_makes_one_draft_in_the_default_words_with_the_pdf_for_utility_billing_users(
        riverton, clerk, post):
    rates = post(riverton, "2026 Water Rates")
    assert "Email it to customers" in text(clerk.get(LIST))
    response = clerk.post(email_url(rates))
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/office/campaigns/{campaign.pk}/edit/"
    assert (campaign.state, campaign.audience, campaign.communication, campaign.created_by) == (
        Campaign.State.DRAFT, Campaign.Audience.BILLING, rates, riverton.clerk)
    assert campaign.subject == "New from {city}: 2026 Water Rates"
    assert campaign.body == (
        "<p>Hello {name},</p>\n\n<p>{city} has posted a new communication for its customers: 2026 Water Rates.</p>"
        f'\n\n<p>Read it here: <a href="{pdf_link(riverton, rates)}" rel="noopener noreferrer">2026 Water Rates</a>'
        "</p>\n\n<p>{office_contact}</p>")
    page = text(clerk.get(response["Location"]))
    assert "A mass email about “2026 Water Rates” is ready to review: nothing has been sent yet." in page
    assert "New from {city}: 2026 Water Rates" in page and "Review and send" in page
    assert not OutboundEmail.objects.exists() and mail.outbox == []  # nothing goes until the clerk sends it
    assert audit_rows(riverton, "communication.email_draft") == [(riverton.clerk, f"campaign {campaign.pk}", {})]


def test_a_customised_template_is_used_and_sending_reaches_linked_users_with_the_pdf(riverton, clerk, post):
    save_email_template(tenant=riverton.tenant, kind="communications", acting_user=riverton.clerk,
                        subject="{first_name}, news from {city}: {description}",
                        body='<p>Dear {first_name} {last_name} ({email}), <a href="{communication_link}">read '
                             "{description}</a>.</p><p>{name}, {office_contact}</p>")
    rates = post(riverton, "Rates & usage < 5 units")
    people = make_people(riverton.tenant, 4, linked_every=2)
    clerk.post(email_url(rates))
    campaign = Campaign.objects.get()
    assert campaign.subject == "{first_name}, news from {city}: Rates & usage < 5 units"
    assert campaign.body == (f'<p>Dear {{first_name}} {{last_name}} ({{email}}), <a href="{pdf_link(riverton, rates)}"'
                             ' rel="noopener noreferrer">read Rates &amp; usage &lt; 5 units</a>.</p>'
                             "<p>{name}, {office_contact}</p>")
    assert not OutboundEmail.objects.exists()
    sent = clerk.post(f"/office/campaigns/{campaign.pk}/send/")  # the existing Review and send
    assert sent["Location"] == f"/office/campaigns/{campaign.pk}/"
    campaign.refresh_from_db()
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain)  # what the worker's task does
    linked = {people[0].email, people[2].email}
    assert set(LinkedAccount.objects.filter(tenant=riverton.tenant).values_list("user__email", flat=True)) == linked
    assert sorted(m.to[0] for m in mail.outbox) == sorted(linked)
    for message in mail.outbox:
        person = next(p for p in people if p.email == message.to[0])
        assert message.subject == f"{person.first_name}, news from City of Riverton: Rates & usage < 5 units"
        assert message.attachments == [("2026-water-rates.pdf", PDF, "application/pdf")]
        [(body, _type)] = message.alternatives
        assert f"Dear {person.first_name} {person.last_name} ({person.email})" in body
        assert f'<a href="{pdf_link(riverton, rates)}" rel="noopener noreferrer">read Rates &amp; usage' in body


def test_an_expired_communication_has_no_button_and_is_not_found(riverton, clerk, post):
    post(riverton, "Old rates", expires_on=date(2020, 1, 1))
    assert "Email it to customers" not in text(clerk.get(LIST))
    old = riverton.tenant.communications.get()
    assert clerk.post(email_url(old)).status_code == 404
    assert not Campaign.objects.exists() and audit_rows(riverton, "communication.email_draft") == []


def test_a_resident_and_another_citys_clerk_get_404_and_get_is_refused(riverton, lakeside, client_for, clerk, post):
    rates = post(riverton)
    assert client_for(riverton.resident, riverton.tenant).post(email_url(rates)).status_code == 404
    assert client_for(lakeside.clerk, lakeside.tenant).post(email_url(rates)).status_code == 404
    assert clerk.get(email_url(rates)).status_code == 405
    assert not Campaign.objects.exists()


def test_a_brace_in_the_description_is_explained_and_nothing_is_made(riverton, clerk, post):
    odd = post(riverton, "Rates {draft}")
    page = text(clerk.post(email_url(odd), follow=True))
    assert "No mass email was made about “Rates {draft}”. Its description has a { or }" in page
    assert not Campaign.objects.exists()


def test_the_email_editor_offers_the_communication_and_the_campaign_variables(riverton, clerk):
    kind = KINDS["communications"]
    assert set(kind.variables) == {"description", "communication_link", "first_name", "last_name", "name", "email",
                                   "city", "office_contact"}
    page = text(clerk.get("/office/settings/emails/"))
    assert "The starting words of the mass email made from Utility Communications → Email it to customers." in page
    editor = text(clerk.get("/office/settings/emails/communications/"))
    assert "{first_name}" in editor and "{communication_link}" in editor
    preview = text(clerk.post("/office/settings/emails/communications/", {
        "action": "preview", "subject": "For {first_name}",
        "body": "<p>Dear {first_name} {last_name}, {description}</p>"}))
    assert "Dear Jordan Rivera, 2026 Water Rates" in preview  # the sample's values
    refused = text(clerk.post("/office/settings/emails/communications/", {
        "action": "save", "subject": "News", "body": "<p>Account {customer_number}</p>"}))
    assert "{customer_number} is not a variable of this email" in refused


def test_the_trash_can_names_the_draft_made_from_it_and_deletes_nothing_until_the_draft_is_gone(
        riverton, clerk, post):
    from communications.models import Communication

    rates = post(riverton, "2026 Water Rates")
    clerk.post(email_url(rates))
    campaign = Campaign.objects.get()
    delete_url = f"{LIST}{rates.pk}/delete/"
    asked = text(clerk.get(delete_url))
    refusal = ("“2026 Water Rates” is attached to the draft mass email “New from {city}: 2026 Water Rates”: delete or "
               "change that draft first, then delete this.")
    assert refusal in asked
    assert f'<a href="/office/campaigns/{campaign.pk}/edit/">New from {{city}}: 2026 Water Rates</a>' in asked
    assert '<button type="submit" class="button button-danger">Delete</button>' not in asked
    response = clerk.post(delete_url)
    assert response.status_code == 400 and f'<p role="alert">Nothing was deleted. {refusal}</p>' in text(response)
    assert Communication.objects.filter(pk=rates.pk).exists() and rates.file.storage.exists(rates.file.name)
    assert audit_rows(riverton, "communication.delete") == []
    edit = text(clerk.get(f"/office/campaigns/{campaign.pk}/edit/"))
    assert f'<option value="{rates.pk}" selected>2026 Water Rates</option>' in edit  # the draft still attaches it
    clerk.post(f"/office/campaigns/{campaign.pk}/delete/")
    assert "Delete" in text(clerk.get(delete_url)) and refusal not in text(clerk.get(delete_url))
    assert clerk.post(delete_url)["Location"] == LIST and not Communication.objects.filter(pk=rates.pk).exists()
    assert len(audit_rows(riverton, "communication.delete")) == 1
