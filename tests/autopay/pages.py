"""Walking the customer's AutoPay pages with the test client, as the page (and its provider script) would."""

from __future__ import annotations

import html
import re
from datetime import datetime, time
from urllib.parse import parse_qs, urlsplit

from autopay.models import Authorization, Enrollment, ScheduledPayment


def body(response) -> str:
    """The page's text as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def city_noon(city, day) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=city.tenant.zone)


def base(key: str) -> str:
    return f"/utility/accounts/{key}/autopay/"


def choices_in(response) -> str:
    """The signed choices a step redirected with."""
    return parse_qs(urlsplit(response.headers["Location"]).query)["choices"][0]


def schedule(client, key: str, *, days="3", maximum: str | None = None):
    """Step 1: days prior to the due date, and a maximum or none."""
    data = {"days_before_due": days, "set_maximum": "yes" if maximum is not None else "no",
            "max_amount": maximum or ""}
    return client.post(base(key) + "schedule/", data)


def choose(client, key: str, choices: str, *, method: str, token: str = ""):
    """Step 2: a saved method ("saved-<id>") or a new one ("new-card", "new-ach") with the provider's token."""
    return client.post(base(key) + "method/", {"choices": choices, "method": method, "new_token": token})


def terms_on(client, key: str, choices: str) -> str:
    """The authorization text the page shows (and posts back hidden)."""
    page = client.get(base(key) + "authorize/", {"choices": choices})
    assert page.status_code == 200, body(page)
    return html.unescape(re.search(r'name="accepted_text" value="([^"]*)"', page.content.decode()).group(1))


def authorize(client, key: str, choices: str, *, text: str | None = None, check: bool = True):
    data = {"choices": choices, "accepted_text": terms_on(client, key, choices) if text is None else text}
    if check:
        data["authorize"] = "on"
    return client.post(base(key) + "authorize/", data)


def through_the_steps(client, key: str, *, method: str, token: str = "", days="3", maximum: str | None = None):
    """Both steps and the authorization; returns the last answer (a redirect to Manage AutoPay when it worked)."""
    step1 = schedule(client, key, days=days, maximum=maximum)
    assert step1.status_code == 302, body(step1)
    step2 = choose(client, key, choices_in(step1), method=method, token=token)
    assert step2.status_code == 302, body(step2)
    return authorize(client, key, choices_in(step2))


def nothing_stored() -> bool:
    return not (Enrollment.objects.exists() or Authorization.objects.exists() or ScheduledPayment.objects.exists())
