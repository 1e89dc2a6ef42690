"""The demo city's AutoPay: a few households in every state the office screens show (safe to run again).

- one account whose payment is scheduled a few days before its due date,
- one whose bill was due (it is charged as soon as the worker starts, then posted),
- one who paid this month's bill by card first, so nothing is due: the "enabled but no scheduled
  payment" list (Blake's shows there too once charged: this period's payment already processed).
Their saved methods come from the sandbox's own token endpoint, as a page's script gets them.
"""

from __future__ import annotations

import json
import logging

from django.test import RequestFactory

from billing.payments.wallet import add_to_wallet
from cows_bridge import client as cows
from cows_bridge.errors import CowsError
from customers.services import ensure_membership
from portal.models import Tenant

from . import enrollment

logger = logging.getLogger(__name__)
HOUSEHOLDS = (("avery.ames@demo.example", "Avery", "scheduled", 3),
              ("blake.brook@demo.example", "Blake", "charged", 28),
              ("casey.cole@demo.example", "Casey", "no_balance", 5))


def _sandbox_token(payload: dict) -> str:
    from sandboxpay.views import tokenize

    request = RequestFactory().post("/sandboxpay/tokens", data=json.dumps(payload), content_type="application/json")
    return json.loads(tokenize(request).content)["token"]


def _accounts(tenant: Tenant, skip: set[str]) -> dict[str, list]:
    """Ordinary demo accounts by what is due now: some due (key "due"), some with nothing due ("none")."""
    numbers = [f"001-{n:04d}-00" for n in range(2, 300)]
    found, _missing = cows.get_accounts(tenant, numbers)
    out: dict[str, list] = {"due": [], "none": []}
    for s in sorted(found.values(), key=lambda s: s.customer_number):
        if s.key in skip or not s.active or s.direct_pay or any(s.udf.values()) or s.equal_pay_amount:
            continue
        out["due" if s.balance_due > 0 else "none"].append(s)
    return out


def _pay_bill(*, tenant: Tenant, user, summary, method) -> None:
    """The household paid this month's bill online (posted to Cash Receipting at once) before enrolling."""
    from billing.payments import checkout, posting

    payment = checkout.start_checkout(
        tenant=tenant, user=user, method=checkout.MethodSpec(saved=method),
        items=[checkout.ItemSpec(kind="utility", amount=summary.balance_due, account_key=summary.key,
                                 customer_number=summary.customer_number, summary=summary)])
    checkout.confirm_payment(payment=payment, actor=user)
    posting.post_payment_items(payment_id=payment.pk)


def seed_autopay_demo(*, tenant: Tenant, password: str, skip_keys: set[str]) -> list[str]:
    """Enroll the demo households (once); returns lines saying what each shows."""
    from customers.models import User
    from allauth.account.models import EmailAddress

    if tenant.autopay_enrollments.exists():
        return []
    settings = enrollment.autopay_settings(tenant)
    settings.max_days_before_due = 28
    settings.save()
    try:
        accounts = _accounts(tenant, skip_keys)
    except CowsError as exc:
        return [f"AutoPay demo skipped: the simulator could not be read ({exc})"]
    lines = []
    for email, first, state, days in HOUSEHOLDS:
        pool = accounts["none"] or accounts["due"] if state == "no_balance" else accounts["due"]
        if not pool:
            lines.append(f"AutoPay demo: no account with {state} found")
            continue
        summary = pool.pop(0)
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=password, first_name=first, last_name=summary.last_name)
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        ensure_membership(tenant=tenant, user=user)
        from customers.linking import AlreadyLinked, link_account

        try:
            link_account(tenant=tenant, user=user, customer_number=summary.customer_number,
                         last_name=summary.last_name)
        except AlreadyLinked:
            pass
        payload = ({"kind": "ach", "routing": "110000000", "account": "000123456789", "account_type": "checking"}
                   if state == "charged" else
                   {"kind": "card", "number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"})
        method = add_to_wallet(tenant=tenant, user=user, token=_sandbox_token(payload))
        if state == "no_balance" and summary.balance_due > 0:
            _pay_bill(tenant=tenant, user=user, summary=summary, method=method)
        text = enrollment.authorization_text(tenant=tenant, customer_number=summary.customer_number, method=method,
                                             days_before_due=days, max_amount=None)
        done = enrollment.enroll(tenant=tenant, user=user, customer_number=summary.customer_number, method=method,
                                 days_before_due=days, max_amount=None, accepted_text=text, user_agent="demo seed")
        lines.append(f"    {email:<28} {summary.customer_number}  AutoPay: {done.outcome}")
    return lines
