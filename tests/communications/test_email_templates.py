"""Email templates: bodies sanitized on save and on render, variables filled safely, multipart mail, the kinds."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from communications import email_templates, rich_text
from communications.mailing import render, render_email, send_templated
from communications.models import Communication, EmailTemplate
from communications.samples import sample_context
from communications.selectors import city_today, latest_communication_link
from communications.templates_registry import KINDS, LINK_VARIABLES, VARIABLE_HELP, Link, kinds_for

pytestmark = pytest.mark.django_db


def save(city, kind="payment_reminder", subject="Reminder for {name}", body="<p>Hello {name}</p>"):
    return email_templates.save_email_template(tenant=city.tenant, kind=kind, subject=subject, body=body,
                                               acting_user=city.clerk)


@pytest.mark.parametrize("typed", [
    '<p>Hi</p><script>alert("x")</script>',
    '<p onclick="steal()" onload="steal()">Hi</p>',
    '<p><a href="javascript:alert(1)">Hi</a></p>',
    '<p><a href=" JaVaScRiPt:alert(1)">Hi</a></p>',
    '<p style="background:url(https://evil.example/x)">Hi</p><style>p { color: red }</style>',
    '<p>Hi</p><img src="https://evil.example/pixel.gif" onerror="steal()"><iframe src="https://evil.example"></iframe>',
])
def test_scripts_handlers_javascript_links_styles_and_pictures_are_stripped_when_saved(riverton, typed):
    save(riverton, body=typed)
    stored = EmailTemplate.objects.get(tenant=riverton.tenant, kind="payment_reminder").body
    lowered = stored.lower()
    for bad in ("<script", "alert", "onclick", "onload", "onerror", "javascript:", "style", "<img", "<iframe",
                "evil.example", "steal"):
        assert bad not in lowered
    assert "Hi" in stored


def test_a_body_with_bad_markup_stored_before_is_sanitized_again_when_rendered(riverton):
    # A row written around the editor (an old import, a database edit) is still cleaned when sent.
    EmailTemplate.objects.create(tenant=riverton.tenant, kind="payment_reminder", subject="Hi",
                                 body='<p onmouseover="x()">Pay</p><script>steal()</script>'
                                      '<a href="javascript:x()">a</a>')
    email = render_email(tenant=riverton.tenant, kind="payment_reminder", context={})
    assert "steal" not in email.html and "onmouseover" not in email.html and "javascript" not in email.html
    assert email.html.startswith("<p>Pay</p>")


def test_links_keep_only_web_and_mail_addresses_and_get_rel_noopener(riverton):
    save(riverton, body='<p><a href="https://riverton.example/rates">Rates</a> '
                        '<a href="mailto:office@riverton.example">'
                        'Mail us</a> <a href="/relative">here</a> <a href="{pay_link}">Pay</a></p>')
    body = EmailTemplate.objects.get(tenant=riverton.tenant).body
    assert body.count('rel="noopener noreferrer"') == 4
    assert rich_text.hrefs(body) == ["https://riverton.example/rates", "mailto:office@riverton.example", "{pay_link}"]


def test_what_an_editor_makes_for_bold_italic_and_new_lines_is_kept_as_the_allow_list_names_it(riverton):
    save(riverton, body="<div>One <b>bold</b> and <i>italic</i></div><div>Two</div>")
    assert EmailTemplate.objects.get(tenant=riverton.tenant).body == \
        "<p>One <strong>bold</strong> and <em>italic</em></p><p>Two</p>"


def test_plain_text_typed_without_javascript_becomes_paragraphs(riverton):
    save(riverton, body="Hello {name},\n\nYour bill is due.\nThanks & regards")
    assert EmailTemplate.objects.get(tenant=riverton.tenant).body == \
        "<p>Hello {name},</p>\n\n<p>Your bill is due.<br>Thanks &amp; regards</p>"


@pytest.mark.parametrize("subject, message", [
    ("Your bill\nBcc: everyone@example.org", "The subject must be one line"),
    ("Your bill\r\nis due", "The subject must be one line"),
    ("Your\tbill", "control character"),
    ("Your bill\x00", "control character"),
    ("", "Enter a subject."),
    ("x" * 201, "Keep the subject to 200 characters."),
    ("Bill for {nmae}", "{nmae} is not a variable of this email; it has: {city}, {name}, {customer_number}"),
    ("Bill for {city", "A { or } is not part of a variable"),
    ("Bill for {amount_due.__class__}", "{amount_due.__class__} is not a variable of this email"),
])
def test_a_bad_subject_is_refused_with_a_clear_message_and_nothing_is_stored(riverton, subject, message):
    with pytest.raises(ValidationError) as refused:
        save(riverton, subject=subject)
    assert message in refused.value.messages[0]
    assert not EmailTemplate.objects.exists()


@pytest.mark.parametrize("body, message", [
    ("<p>Dear {customer}</p>", "{customer} is not a variable of this email; it has: {city}, {name}"),
    ("<p>{LatestCommunicationLink}</p>", "{LatestCommunicationLink} is not a variable of this email"),
    ('<p><a href="{city}">Our city</a></p>', "{city} is not an address, so it cannot be a link's address"),
    ("<p>Pay {amount_due}}</p>", "A { or } is not part of a variable"),
    ("<p> </p><script>x()</script>", "Enter the body of the email."),
    ("x" * 20001, "Keep the body to 20000 characters."),
])
def test_a_bad_body_is_refused_with_a_clear_message_and_nothing_is_stored(riverton, body, message):
    with pytest.raises(ValidationError) as refused:
        save(riverton, body=body)
    assert message in refused.value.messages[0]
    assert not EmailTemplate.objects.exists()


def test_values_are_html_escaped_in_the_body_and_links_become_links():
    email = render(subject="Hello {name}", body="<p>Hello {name}, pay here: {pay_link}</p><p>{office_contact}</p>",
                   context={"name": "<script>alert('x')</script> & Co", "pay_link": "https://riverton.localhost/pay/",
                            "office_contact": "Office\nRiverton"})
    assert "<script>" not in email.html
    assert "<p>Hello &lt;script&gt;alert('x')&lt;/script&gt; &amp; Co, pay here: " in email.html
    assert '<a href="https://riverton.localhost/pay/" rel="noopener noreferrer">https://riverton.localhost/pay/</a>' \
        in email.html
    assert "<p>Office<br>Riverton</p>" in email.html
    assert email.subject == "Hello <script>alert('x')</script> & Co"  # a subject is plain text, not HTML
    assert "Hello <script>alert('x')</script> & Co, pay here: https://riverton.localhost/pay/" in email.text


def test_a_value_never_becomes_markup_or_a_variable_itself():
    email = render(subject="{name} {city}", body='<p>{name} <a href="{pay_link}">pay</a></p>',
                   context={"name": "{city} <b>x</b>", "city": "Riverton", "pay_link": 'javascript:alert(1)"'})
    assert email.subject == "{city} <b>x</b> Riverton"
    assert "{city} &lt;b&gt;x&lt;/b&gt;" in email.html and "javascript" not in email.html


def test_a_subject_value_cannot_start_a_new_mail_header():
    email = render(subject="Receipt {reference}", body="<p>x</p>",
                   context={"reference": "R1\r\nBcc: everyone@example.org"})
    assert email.subject == "Receipt R1 Bcc: everyone@example.org"


def test_the_plain_text_part_keeps_paragraphs_lists_and_link_addresses():
    html = ('<h2>Your bill</h2><p>Hello <strong>Rosa</strong>,<br>it is due.</p><ul><li>Water</li><li>Sewer</li></ul>'
            '<ol><li>Sign in</li><li>Pay</li></ol><p><a href="https://r.example/rates">Our rates</a> · '
            '<a href="mailto:office@r.example">office@r.example</a></p>')
    assert rich_text.to_text(html) == ("Your bill\n\nHello Rosa,\nit is due.\n\n- Water\n- Sewer\n\n1. Sign in\n"
                                       "2. Pay\n\nOur rates (https://r.example/rates) · office@r.example\n")


def test_mail_is_multipart_with_a_plain_text_part_made_from_the_html(riverton):
    save(riverton, subject="Due {due_date}", body="<p>Hello <strong>{name}</strong></p><p>Pay: {pay_link}</p>")
    assert send_templated(tenant=riverton.tenant, kind="payment_reminder", to=["rosa@example.org"],
                          context={"name": "Rosa <Rivera>", "due_date": "Dec 18, 2026",
                                   "pay_link": "https://riverton.localhost/pay/utility/1000100/"}, key="test")
    [message] = mail.outbox
    assert message.subject == "Due Dec 18, 2026"
    body, footer = message.body.split("\n--\n")
    assert body == "Hello Rosa <Rivera>\n\nPay: https://riverton.localhost/pay/utility/1000100/\n"
    # A reminder can be turned off: the footer and the RFC 8058 headers say how, for this category only.
    assert footer.startswith("City of Riverton\nStop “Payment reminders and late notices” emails: "
                             "http://riverton.localhost/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe"] == f"<{footer.split(': ', 1)[1].strip()}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "<strong>Rosa &lt;Rivera&gt;</strong>" in html
    assert '<a href="https://riverton.localhost/pay/utility/1000100/" rel="noopener noreferrer">' in html


def test_every_kind_lists_the_variables_its_default_uses_each_with_help_and_a_menu():
    for kind in KINDS.values():
        used = set(re.findall(r"\{(\w+)\}", str(kind.subject) + str(kind.body)))
        assert used <= set(kind.variables), kind.key
        assert all(VARIABLE_HELP.get(v) for v in kind.variables), kind.key
        assert kind.menu in ("admin", "utility", "billing") and kind.sent_when
        email_templates.clean_subject(kind, str(kind.subject))  # the defaults pass the editor's own checks
        email_templates.clean_body(kind, str(kind.body))
    assert [k.key for k in kinds_for("billing")] == ["bill_utility", "bill_final", "bill_delinquent",
                                                     "bill_ar_invoice"]
    assert {k.key for k in kinds_for("utility")} == {"payment_reminder", "past_due", "autopay_failed",
                                                     "autopay_over_maximum"}
    assert {"payment_receipt", "communications", "autopay_enrolled"} <= {k.key for k in kinds_for("admin")}
    for key in ("bill_utility", "bill_final", "bill_delinquent", "bill_ar_invoice"):
        assert {"LatestCommunicationLink", "name", "customer_number", "amount_due", "due_date"} <= \
            set(KINDS[key].variables)
    assert KINDS["payment_receipt"].variables == ("city", "items", "amount", "fee", "total", "method", "date",
                                                  "reference", "posting")
    assert "LatestCommunicationLink" in LINK_VARIABLES


def test_latest_communication_link_is_the_newest_current_one_not_an_expired_one(riverton, lakeside, post):
    today = city_today(tenant=riverton.tenant)
    older = post(riverton, "Spring newsletter")
    newest_current = post(riverton, "Summer newsletter")
    post(riverton, "Expired flier", expires_on=today)  # posted last, but hidden from today on
    post(lakeside, "Lakeside rates")  # another city's newer one
    link = latest_communication_link(tenant=riverton.tenant)
    assert link == Link(url=f"http://riverton.localhost/communications/{newest_current.pk}/pdf/",
                        label="Summer newsletter")
    assert older.pk != newest_current.pk


def test_latest_communication_link_points_to_the_list_when_none_is_current(riverton, post):
    post(riverton, "Old flier", expires_on=city_today(tenant=riverton.tenant) - timedelta(days=1))
    assert latest_communication_link(tenant=riverton.tenant).url == "http://riverton.localhost/communications/"


def test_a_billing_email_renders_latest_communication_link_as_a_link_with_its_description(riverton, post):
    communication = post(riverton, "Water Rates 2026")
    # A description saved before descriptions had to be plain text: still only ever text in the email.
    Communication.objects.filter(pk=communication.pk).update(description="Water <Rates> 2026")
    save(riverton, kind="bill_utility", subject="Bill", body="<p>News: {LatestCommunicationLink}</p>")
    context = sample_context(tenant=riverton.tenant, kind="bill_utility")
    email = render_email(tenant=riverton.tenant, kind="bill_utility", context=context)
    url = f"http://riverton.localhost/communications/{communication.pk}/pdf/"
    assert f'<a href="{url}" rel="noopener noreferrer">Water &lt;Rates&gt; 2026</a>' in email.html
    assert f"News: Water <Rates> 2026 ({url})" in email.text


def test_the_sample_account_has_a_value_for_every_variable_of_every_kind(riverton):
    for key, kind in KINDS.items():
        context = sample_context(tenant=riverton.tenant, kind=key)
        assert set(context) == set(kind.variables)
        assert all(str(value) for value in context.values()), key
        assert "{" not in render(subject=str(kind.subject), body=rich_text.as_html(str(kind.body)),
                                 context=context).text, key


def test_saving_the_default_words_again_leaves_no_row_and_reset_goes_back_to_the_default(riverton):
    save(riverton)
    assert EmailTemplate.objects.filter(tenant=riverton.tenant).count() == 1
    before, after = email_templates.reset_email_template(tenant=riverton.tenant, kind="payment_reminder",
                                                         acting_user=riverton.clerk)
    assert before["subject"] == "Reminder for {name}" and after["subject"] == str(KINDS["payment_reminder"].subject)
    assert not EmailTemplate.objects.exists()
    assert email_templates.reset_email_template(tenant=riverton.tenant, kind="payment_reminder",
                                                acting_user=riverton.clerk) is None
    default = KINDS["payment_reminder"]
    save(riverton, subject=str(default.subject), body=str(default.body))
    assert not EmailTemplate.objects.exists()


def test_one_city_s_words_are_never_another_city_s(riverton, lakeside):
    save(riverton, subject="Riverton reminder {name}")
    context = {"name": "Lena", "city": "Town of Lakeside", "amount_due": "$5.00", "due_date": "Dec 18, 2026"}
    assert render_email(tenant=lakeside.tenant, kind="payment_reminder", context=context).subject == \
        "Your Town of Lakeside utility bill of $5.00 is due Dec 18, 2026"
    assert render_email(tenant=riverton.tenant, kind="payment_reminder", context=context).subject == \
        "Riverton reminder Lena"


def test_the_migration_copies_a_customised_receipt_and_leaves_default_ones(riverton):
    default_subject = "Payment receipt from {city}"
    default_body = "Thank you for your payment to {city}.\n\n{items}\nAmount: {amount}\n"
    rows = [(1, default_subject, default_body),
            (2, "Receipt {reference} from {city}", default_body),
            (3, default_subject, "Thanks!\n\n{items}\nTotal: {total}\nBraces: {{ok}}")]
    copies = email_templates.receipt_templates_to_copy(rows, default_subject=default_subject,
                                                       default_body=default_body)
    assert copies == [
        (2, "Receipt {reference} from {city}",
         "<p>Thank you for your payment to {city}.</p>\n\n<p>{items}<br>Amount: {amount}</p>"),
        (3, "Payment receipt from {city}",
         "<p>Thanks!</p>\n\n<p>{items}<br>Total: {total}<br>Braces: {ok}</p>"),
    ]
    # What was copied renders as that city's receipt.
    tenant_id, subject, body = copies[0]
    EmailTemplate.objects.create(tenant=riverton.tenant, kind="payment_receipt", subject=subject, body=body)
    email = render_email(tenant=riverton.tenant, kind="payment_receipt",
                         context={"reference": "CC1", "city": "City of Riverton", "items": "- Water: $5.00",
                                  "amount": "$5.00"})
    assert email.subject == "Receipt CC1 from City of Riverton"
    assert email.text == "Thank you for your payment to City of Riverton.\n\n- Water: $5.00\nAmount: $5.00\n"



def test_a_receipt_is_sent_from_the_city_s_receipt_template_as_multipart(riverton, lakeside):
    from billing.payments.receipts import send_receipt_email

    from ..factories import PaymentFactory

    save(riverton, kind="payment_receipt", subject="{city} receipt {reference}",
         body="<p>Thank you!</p><p>{items}</p><p>Total: <strong>{total}</strong> ({method})</p><p>{posting}</p>")
    payment = PaymentFactory(city=riverton, amount="40.00", fee="1.50", items=2, email="pat@example.org",
                             confirmation="CR-77")
    assert send_receipt_email(payment=payment)
    [message] = mail.outbox
    assert message.to == ["pat@example.org"]
    assert message.subject == f"City of Riverton receipt {payment.reference}"
    assert "Total: $41.50 (Visa •••• 4242)" in message.body
    assert message.body.count("\n- ") == 2 and "Confirmation number(s): CR-77" in message.body
    [(html_part, _)] = message.alternatives
    assert "<strong>$41.50</strong>" in html_part and "<br>- " in html_part
    # The Email log finds the receipt by the accounts it paid; a second send of the same receipt queues nothing.
    from communications.outbox.models import OutboundEmail

    numbers = [i.customer_number for i in payment.items.all()]
    assert OutboundEmail.objects.get(kind="payment_receipt").account_number == ", ".join(dict.fromkeys(numbers))
    assert not send_receipt_email(payment=payment) and len(mail.outbox) == 1

    # Another city still sends the default receipt.
    other = PaymentFactory(city=lakeside, amount="10.00", fee="0.95", items=1, email="lena@example.org")
    assert send_receipt_email(payment=other)
    default = mail.outbox[-1]
    assert default.subject == "Payment receipt from Town of Lakeside"
    assert "Thank you for your payment to Town of Lakeside." in default.body
    assert "Total charged: $10.95" in default.body and f"Reference: {other.reference}" in default.body


def test_the_sample_service_fee_is_the_citys_own(riverton):
    from billing.payments.models import PaymentSettings

    PaymentSettings.objects.filter(tenant=riverton.tenant).update(card_fee_percent="3.50", card_fee_flat="0",
                                                                  card_fee_minimum="0")
    riverton.tenant.refresh_from_db()
    context = sample_context(tenant=riverton.tenant, kind="autopay_reminder")
    assert (context["amount"], context["fee"], context["total"]) == ("$84.20", "$2.95", "$87.15")
