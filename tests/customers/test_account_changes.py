import re

from django.core import mail
from django.test import Client


def test_password_reset_by_email_link(riverton):
    client = Client(HTTP_HOST="riverton.localhost")
    response = client.post("/accounts/password/reset/", {"email": "rosa@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    link = re.search(r"http://riverton\.localhost(/accounts/password/reset/key/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(action, {"password1": "Brand-New-Heron-77", "password2": "Brand-New-Heron-77"})
    assert done.status_code == 302
    assert Client(HTTP_HOST="riverton.localhost").post(
        "/accounts/login/", {"login": "rosa@example.org", "password": "Brand-New-Heron-77"}).status_code == 302


def test_password_reset_for_an_unknown_email_reveals_nothing(riverton):
    response = Client(HTTP_HOST="riverton.localhost").post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302  # the same answer as for a known address
    assert all("nobody@example.org" in m.to for m in mail.outbox)


def test_changing_email_needs_the_new_address_verified(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    response = client.post("/accounts/email/", {"action_add": "", "email": "rosa.new@example.org"})
    assert response.status_code == 302
    [message] = [m for m in mail.outbox if m.to == ["rosa.new@example.org"]]
    assert "/accounts/confirm-email/" in message.body
    riverton.resident.refresh_from_db()
    assert riverton.resident.email == "rosa@example.org"  # until the new one is confirmed
    link = re.search(r"http://riverton\.localhost(/accounts/confirm-email/\S+/)", message.body).group(1)
    client.post(link)
    riverton.resident.refresh_from_db()
    assert riverton.resident.email == "rosa.new@example.org"
