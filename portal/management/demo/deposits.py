"""The demo city's deposits: payments made a few business days back, so Deposit Reconciliation has a deposit.

The sandbox settles a charge into the next business day's deposit, and takes an ACH return of the
test bank account 000333333335 back out two business days after that (docs/payments.md). So, with
the clock moved back (time_machine, as the deposit tests do), the seed pays through the real checkout:

- on the business day before the previous one: two utility bills (the Utility account) and a pavilion
  rental (the General account), all settled into the previous business day's deposits;
- three business days before the previous one: a utility bill by bank account 000333333335, whose
  return is a negative line of the previous business day's Utility deposit; the returns sweep
  (billing.payments.returns.find_returns) then marks that payment returned and emails its payer.

Deposit Reconciliation opens on the previous business day and shows these deposits. Run again the same day, the seed
pays nothing more (the previous business day has its Utility deposit already); on a later day it pays
again, for that day's previous business day.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.test import RequestFactory
from django.utils import timezone

from portal.models import Tenant

RETURNED_BANK = "000333333335"  # docs/payments.md: settles, then returned R01
DEMO_PAYERS = ("Morgan Demo", "Jordan Demo", "Taylor Demo")


def previous_business_day(day: date) -> date:
    """The last weekday before `day`."""
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _token(payload: dict) -> str:
    """A sandbox token, from the sandbox's own token endpoint, as a pay page's script gets it."""
    from sandboxpay.views import tokenize

    request = RequestFactory().post("/sandboxpay/tokens", data=json.dumps(payload), content_type="application/json")
    return json.loads(tokenize(request).content)["token"]


CARD = {"kind": "card", "number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}
RETURNING_BANK = {"kind": "ach", "routing": "110000000", "account": RETURNED_BANK, "account_type": "checking"}


def _accounts_to_pay(tenant: Tenant, skip: set[str]) -> list:
    """Ordinary demo accounts with a balance, nobody's in the portal, from routes 2 and 3 (AutoPay's are on 1)."""
    from cows_bridge import client as cows

    found, _missing = cows.get_accounts(tenant, [f"{r:03d}-{n:04d}-00" for r in (2, 3) for n in range(1, 100)])
    return [s for s in sorted(found.values(), key=lambda s: s.customer_number, reverse=True)
            if s.key not in skip and s.active and not s.direct_pay and not any(s.udf.values())
            and not s.equal_pay_amount and s.balance_due > 0]


def _pay(tenant: Tenant, *, payer: str, items: list, payload: dict, email: str = ""):
    from billing.payments import checkout

    from billing.payments import posting

    payment = checkout.start_checkout(tenant=tenant, items=items, method=checkout.MethodSpec(token=_token(payload)),
                                      payer_name=payer, payer_email=email)
    payment = checkout.confirm_payment(payment=payment)
    posting.post_payment_items(payment_id=payment.pk)  # to Cash Receipting that day, as the worker would
    return payment


def _utility(summary, amount: Decimal | None = None):
    from billing.payments.checkout import ItemSpec

    return ItemSpec(kind="utility", amount=amount or summary.balance_due, account_key=summary.key,
                    customer_number=summary.customer_number, summary=summary)


def _at(tenant: Tenant, day: date):
    """The clock at 10:00 that day in the city (moving on), as the deposit tests move it."""
    import time_machine  # locked with the rest (requirements.lock): bin/run has it

    return time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=tenant.zone))


def seed_deposits(*, tenant: Tenant) -> list[str]:
    """Pay (once a day) so the previous business day has a General and a Utility deposit, one with a return."""
    from billing.payments.checkout import ItemSpec
    from billing.payments.deposits import deposits_for
    from billing.payments.providers import current_account, payment_settings
    from billing.payments.returns import find_returns

    if payment_settings(tenant).provider != "sandbox":
        return []
    today = timezone.localdate(timezone=tenant.zone)
    deposit_day = previous_business_day(today)
    if deposits_for(tenant=tenant, account=current_account(tenant, utility_bills=True), deposit_date=deposit_day).found:
        return []
    linked = set(tenant.linked_accounts.values_list("account_key", flat=True))
    pool = _accounts_to_pay(tenant, linked)
    if len(pool) < 3:
        return ["    Deposit demo skipped: too few demo accounts with a balance"]
    charge_day = previous_business_day(deposit_day)
    returned_day = previous_business_day(previous_business_day(charge_day))
    with _at(tenant, returned_day):
        bounced = _pay(tenant, payer=DEMO_PAYERS[2], items=[_utility(pool[2], Decimal("25.00"))],
                       payload=RETURNING_BANK, email=pool[2].email)
    with _at(tenant, charge_day):
        for summary, payer in zip(pool[:2], DEMO_PAYERS):
            _pay(tenant, payer=payer, items=[_utility(summary)], payload=CARD, email=summary.email)
        _pay(tenant, payer=DEMO_PAYERS[0], payload=CARD, items=[ItemSpec(
            kind="misc", amount=Decimal("75.00"), category="PR", category_name="Parks & Recreation",
            distribution="PAVILION", distribution_name="Pavilion rental", payor=DEMO_PAYERS[0])])
    find_returns(tenant=tenant, today=today)
    return [f"    Deposits of {deposit_day:%a %b %d} on Deposit Reconciliation (General and Utility); "
            f"{bounced.reference} returned by the bank"]
