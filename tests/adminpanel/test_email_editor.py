"""The office's email editor: the three lists, editing, Preview, Send me a test, Back to the default, who may."""

from __future__ import annotations

import html

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communications.models import EmailTemplate
from communications.templates_registry import kinds_for

from .audit_helpers import audit_rows

EDIT = "/office/settings/emails/{}/"
LISTS = {"/office/settings/emails/": ("Payment receipt", "AutoPay: enrolled (authorization copy)",
                                      "New communication"),
         "/office/utility/emails/": ("Payment reminder", "Past due", "AutoPay: payment failed",
                                     "AutoPay: bill over the maximum"),
         "/office/utility/billing-emails/": ("Utility Bills", "Final Bills", "Delinquent Notices",
                                             "Accounts Receivable Invoices")}


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def clerk(riverton, client_for):
    return client_for(riverton.clerk, riverton.tenant)


def own(city, kind):
    return EmailTemplate.objects.filter(tenant=city.tenant, kind=kind).first()


@pytest.mark.parametrize("url, labels", LISTS.items())
def test_each_list_shows_its_emails_linked_to_their_editor(clerk, url, labels):
    body = text(clerk.get(url))
    menu = {"/office/settings/emails/": "admin", "/office/utility/emails/": "utility"}.get(url, "billing")
    for label in labels:
        assert label in body
    for kind in kinds_for(menu):
        assert f'<a href="/office/settings/emails/{kind.key}/">{kind.label}</a>' in body
    assert body.count('<td data-label="Words">Default</td>') == len(kinds_for(menu))


def test_a_customised_email_is_marked_with_when_and_who(riverton, clerk):
    clerk.post(EDIT.format("bill_final"), {"action": "save", "subject": "Final bill {customer_number}",
                                           "body": "<p>Goodbye {name}</p>"})
    body = text(clerk.get("/office/utility/billing-emails/"))
    assert "Customised" in body and "carl@riverton.example" in body


def test_the_lists_read_the_same_number_of_queries_however_many_emails_are_customised(riverton, clerk):
    clerk.get("/office/utility/billing-emails/")  # session and caches warmed
    with CaptureQueriesContext(connection) as none_customised:
        clerk.get("/office/utility/billing-emails/")
    for kind in ("bill_utility", "bill_final", "bill_delinquent", "bill_ar_invoice"):
        EmailTemplate.objects.create(tenant=riverton.tenant, kind=kind, subject="S", body="<p>B</p>",
                                     updated_by=riverton.clerk)
    with CaptureQueriesContext(connection) as all_customised:
        clerk.get("/office/utility/billing-emails/")
    assert len(all_customised) == len(none_customised)


def test_the_editor_shows_the_current_words_the_picker_and_the_actions(clerk):
    body = text(clerk.get(EDIT.format("bill_utility")))
    assert 'name="subject" value="Your {city} utility bill for account {customer_number}"' in body
    assert "<p>Hello {name},</p>" in body  # in the textarea, escaped: the rich editor starts from it
    assert 'data-variable="LatestCommunicationLink"' in body and "Insert a variable" in body
    for action in ("Save", "Preview", "Send me a test"):
        assert action in body
    assert "Back to the default" not in body  # nothing to go back from yet
    assert "No communication is current" in body
    assert "js/rich_text.js" in body and "js/email_editor.js" in body


def test_saving_stores_the_sanitized_body_and_records_before_and_after(riverton, clerk):
    response = clerk.post(EDIT.format("payment_reminder"), {
        "action": "save", "subject": "Reminder: {amount_due} due {due_date}",
        "body": '<p>Hi {name}</p><script>steal()</script><p onclick="x()"><a href="{pay_link}">Pay now</a></p>'},
        follow=True)
    assert "The email “Payment reminder” was saved." in text(response)
    saved = own(riverton, "payment_reminder")
    assert saved.subject == "Reminder: {amount_due} due {due_date}" and saved.updated_by == riverton.clerk
    assert saved.body == '<p>Hi {name}</p><p><a href="{pay_link}" rel="noopener noreferrer">Pay now</a></p>'
    [(who, target, changes)] = audit_rows(riverton, "email_template.save")
    assert (who, target) == (riverton.clerk, "Payment reminder")
    assert changes["subject"] == ["Your {city} utility bill of {amount_due} is due {due_date}",
                                  "Reminder: {amount_due} due {due_date}"]
    assert changes["body"][0].startswith("<p>Hello {name},</p>") and changes["body"][1] == saved.body


def test_saving_the_same_words_again_says_nothing_changed_and_records_nothing(riverton, clerk):
    data = {"action": "save", "subject": "Reminder {name}", "body": "<p>Hi {name}</p>"}
    clerk.post(EDIT.format("payment_reminder"), data)
    response = clerk.post(EDIT.format("payment_reminder"), data, follow=True)
    assert "Nothing changed." in text(response)
    assert len(audit_rows(riverton, "email_template.save")) == 1


@pytest.mark.parametrize("field, value, message", [
    ("subject", "Your bill\nBcc: all@example.org", "The subject must be one line: remove the line break."),
    ("subject", "Tab\there", "The subject contains a control character"),
    ("subject", "", "Enter a subject."),
    ("subject", "Bill {nmae}", "{nmae} is not a variable of this email; it has: {city}, {name}"),
    ("subject", "<b>Elm</b> Street, {name}", "Type plain text: remove the HTML tag that starts with “<b”."),
    ("subject", "Bill<script>alert(1)</script>", "Type plain text: remove the HTML tag that starts with “<script”."),
    ("body", "<p>Hello {firstname}</p>", "{firstname} is not a variable of this email; it has: {city}, {name}"),
    ("body", "<p>Pay {amount_due</p>", "A { or } is not part of a variable"),
    ("body", '<p><a href="{name}">me</a></p>', "{name} is not an address, so it cannot be a link's address."),
    ("body", "<script>only()</script>", "Enter the body of the email."),
    ("body", "", "Enter the body of the email."),
])
@pytest.mark.parametrize("action", ["save", "preview", "test"])
def test_a_bad_field_is_explained_on_it_and_nothing_is_saved_or_sent(riverton, clerk, field, value, message,
                                                                       action):
    data = {"action": action, "subject": "Reminder {name}", "body": "<p>Hi {name}</p>", field: value}
    response = clerk.post(EDIT.format("payment_reminder"), data)
    body = text(response)
    assert response.status_code == 400
    assert message in body and "Nothing was saved or sent." in body
    assert f'id="id_{field}_error"' in body and 'aria-invalid="true"' in body
    assert own(riverton, "payment_reminder") is None and not mail.outbox
    assert audit_rows(riverton, "email_template.save") == [] and audit_rows(riverton, "email_template.test") == []


def test_a_refused_body_is_shown_again_sanitized_never_as_typed(clerk):
    response = clerk.post(EDIT.format("payment_reminder"), {
        "action": "save", "subject": "Bill {nmae}",
        "body": '<p>Hi</p><img src=x onerror="steal()"><script>x()</script>'})
    body = response.content.decode()
    assert response.status_code == 400
    assert "onerror" not in body and "steal()" not in body and "x()" not in body


def test_preview_renders_the_typed_words_with_a_sample_account_and_saves_nothing(riverton, clerk):
    response = clerk.post(EDIT.format("bill_delinquent"), {
        "action": "preview", "subject": "Notice for {customer_number}",
        "body": "<p>Dear {name}, <strong>{amount_due}</strong> is past due.</p>"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Notice for 001-0042-00" in body
    assert "<p>Dear Jordan Rivera, <strong>$84.20</strong> is past due.</p>" in body
    assert "Nothing was saved." in body and own(riverton, "bill_delinquent") is None


def test_preview_never_puts_unsanitized_html_in_the_page(clerk):
    response = clerk.post(EDIT.format("bill_delinquent"), {
        "action": "preview", "subject": "Rates < 5 & more > 3 for {name}",
        "body": '<p>Hi</p><script>alert(2)</script><a href="javascript:alert(3)">x</a><p style="x">y</p>'})
    body = response.content.decode()
    assert response.status_code == 200 and "<p>Hi</p>" in body
    assert "<script>alert" not in body and "javascript:" not in body and 'style="x"' not in body
    assert "Rates &lt; 5 &amp; more &gt; 3 for Jordan Rivera" in body  # a < that starts no tag is text, shown as text


def test_preview_follows_latest_communication_link_to_the_newest_current_communication(riverton, clerk):
    from communications.services import post_communication

    newsletter = post_communication(tenant=riverton.tenant, pdf_bytes=b"%PDF-1.4\n%%EOF\n", filename="news.pdf",
                                    description="Winter newsletter", acting_user=riverton.clerk)
    response = clerk.post(EDIT.format("bill_utility"), {
        "action": "preview", "subject": "Bill", "body": "<p>Read our news: {LatestCommunicationLink}</p>"})
    body = response.content.decode()
    assert (f'<a href="http://riverton.localhost/communications/{newsletter.pk}/pdf/" rel="noopener noreferrer">'
            "Winter newsletter</a>") in body
    assert "LatestCommunicationLink points to “Winter newsletter”" in html.unescape(body)


@pytest.mark.parametrize("kind", ["bill_utility", "bill_final", "bill_delinquent", "bill_ar_invoice"])
def test_the_billing_emails_default_words_preview_with_the_newest_communication(riverton, clerk, kind):
    from communications.services import post_communication

    newsletter = post_communication(tenant=riverton.tenant, pdf_bytes=b"%PDF-1.4\n%%EOF\n", filename="news.pdf",
                                    description="Winter newsletter", acting_user=riverton.clerk)
    opened = clerk.get(EDIT.format(kind)).context["form"]
    assert "{LatestCommunicationLink}" in opened["body"].value()
    body = clerk.post(EDIT.format(kind), {
        "action": "preview", "subject": opened["subject"].value(), "body": opened["body"].value()}).content.decode()
    assert (f'Read the latest from City of Riverton: <a href="http://riverton.localhost/communications/'
            f'{newsletter.pk}/pdf/" rel="noopener noreferrer">Winter newsletter</a>') in body


def test_the_past_due_preview_of_the_default_words_says_1_day(clerk):
    opened = clerk.get(EDIT.format("past_due")).context["form"]
    response = clerk.post(EDIT.format("past_due"), {
        "action": "preview", "subject": opened["subject"].value(), "body": opened["body"].value()})
    body = text(response)
    assert "$84.20 is still unpaid (1 day past due)" in body and "1 days" not in body


def test_send_me_a_test_mails_the_clerk_a_multipart_email_and_records_it(riverton, clerk):
    response = clerk.post(EDIT.format("past_due"), {
        "action": "test", "subject": "{name}: {amount_due} is past due",
        "body": "<p>Please pay: {pay_link}</p><ul><li>{days_past_due} day(s) late</li></ul>"})
    assert response.status_code == 200
    [message] = mail.outbox
    assert message.to == ["carl@riverton.example"]
    assert message.subject == "[Test] Jordan Rivera: $84.20 is past due"
    # The text part, then the city's footer (a test is sent to the clerk: no unsubscribe link).
    assert message.body == ("Please pay: http://riverton.localhost/pay/utility/1000420/\n\n- 1 day(s) late\n"
                            "\n--\nCity of Riverton\n")
    [(html_part, mimetype)] = message.alternatives
    assert mimetype == "text/html" and "<li>1 day(s) late</li>" in html_part
    assert '<a href="http://riverton.localhost/pay/utility/1000420/" rel="noopener noreferrer">' in html_part
    assert "A test was sent to carl@riverton.example" in text(response)
    assert own(riverton, "past_due") is None  # a test saves nothing
    assert audit_rows(riverton, "email_template.test") == [(riverton.clerk, "Past due", {})]


def test_back_to_the_default_removes_the_office_s_words_and_is_recorded(riverton, clerk):
    clerk.post(EDIT.format("payment_receipt"), {"action": "save", "subject": "Thanks {city}",
                                                 "body": "<p>{items}</p>"})
    assert "Back to the default" in text(clerk.get(EDIT.format("payment_receipt")))
    response = clerk.post(EDIT.format("payment_receipt"), {"action": "reset"}, follow=True)
    assert "The email “Payment receipt” uses the default words again." in text(response)
    assert own(riverton, "payment_receipt") is None
    [(who, target, changes)] = audit_rows(riverton, "email_template.reset")
    assert (who, target) == (riverton.clerk, "Payment receipt")
    assert changes["subject"] == ["Thanks {city}", "Payment receipt from {city}"]
    again = clerk.post(EDIT.format("payment_receipt"), {"action": "reset"}, follow=True)
    assert "This email already uses the default words." in text(again)
    assert len(audit_rows(riverton, "email_template.reset")) == 1


def test_an_unknown_kind_is_404(clerk):
    assert clerk.get(EDIT.format("bill_water")).status_code == 404
    assert clerk.post(EDIT.format("bill_water"), {"action": "save", "subject": "x", "body": "y"}).status_code == 404


URLS = ["/office/settings/emails/", "/office/utility/emails/", "/office/utility/billing-emails/",
        EDIT.format("payment_receipt"), EDIT.format("bill_utility")]


@pytest.mark.parametrize("url", URLS)
def test_residents_and_another_city_s_clerk_get_404_on_every_url(riverton, lakeside, larry, client_for, url):
    for user, tenant in ((riverton.resident, riverton.tenant), (larry, riverton.tenant),
                         (lakeside.clerk, riverton.tenant), (lakeside.resident, lakeside.tenant)):
        client = client_for(user, tenant)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "save", "subject": "Hacked", "body": "<p>x</p>"}).status_code in (404, 405)
    assert not EmailTemplate.objects.exists() and not mail.outbox


def test_another_city_s_clerk_edits_only_their_own_city_s_words(riverton, lakeside, client_for):
    client_for(riverton.clerk, riverton.tenant).post(EDIT.format("bill_utility"), {
        "action": "save", "subject": "Riverton's own subject", "body": "<p>Riverton only</p>"})
    lakeside_page = text(client_for(lakeside.clerk, lakeside.tenant).get(EDIT.format("bill_utility")))
    assert "Riverton's own subject" not in lakeside_page and "Riverton only" not in lakeside_page
    assert "This email uses the default words." in lakeside_page


@pytest.mark.parametrize("kind, entry", [("payment_receipt", '<a href="/office/settings/emails/" aria-current="page">'),
                                         ("past_due", '<a href="/office/utility/emails/" aria-current="page">'),
                                         ("bill_utility", '<a href="/office/utility/billing-emails/" '
                                                          'aria-current="page">')])
def test_the_menu_marks_the_list_an_email_is_under(clerk, kind, entry):
    body = clerk.get(EDIT.format(kind)).content.decode()
    assert entry in body and body.count('aria-current="page"') == 2  # its menu entry, and Admin in the header
