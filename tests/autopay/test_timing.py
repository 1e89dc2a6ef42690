"""The guide's AutoPay timing rules, one test per rule and per boundary (autopay/timing.py)."""

from datetime import date
from decimal import Decimal

from autopay.timing import NOTHING_DUE, NOW, SCHEDULED, amount_to_charge, plan_payment

D = Decimal
TODAY = date(2026, 12, 12)


def plan(balance="80.00", due=date(2026, 12, 15), days=5, today=TODAY, equal_pay=None):
    return plan_payment(balance_due=D(balance), equal_pay_amount=D(equal_pay) if equal_pay else None, due_date=due,
                        days_before_due=days, today=today)


def test_the_guides_example_due_on_the_15th_enrolled_on_the_12th_with_5_days_prior_charges_on_the_12th():
    result = plan(due=date(2026, 12, 15), days=5, today=date(2026, 12, 12))
    assert (result.kind, result.charge_on, result.amount) == (NOW, date(2026, 12, 12), D("80.00"))


def test_a_balance_after_the_due_date_is_charged_whole_today():
    result = plan(balance="143.27", due=date(2026, 12, 10), days=3)
    assert (result.kind, result.charge_on, result.amount) == (NOW, TODAY, D("143.27"))


def test_a_payment_day_still_ahead_is_scheduled_for_that_day():
    result = plan(due=date(2026, 12, 28), days=5)
    assert (result.kind, result.charge_on) == (SCHEDULED, date(2026, 12, 23))


def test_the_payment_day_being_today_charges_now():
    result = plan(due=date(2026, 12, 17), days=5)
    assert (result.kind, result.charge_on) == (NOW, TODAY)


def test_the_day_after_today_is_scheduled_not_charged():
    result = plan(due=date(2026, 12, 18), days=5)
    assert (result.kind, result.charge_on) == (SCHEDULED, date(2026, 12, 13))


def test_due_today_with_zero_days_prior_charges_now():
    result = plan(due=TODAY, days=0)
    assert (result.kind, result.charge_on) == (NOW, TODAY)


def test_zero_days_prior_schedules_on_the_due_date_itself():
    result = plan(due=date(2026, 12, 20), days=0)
    assert (result.kind, result.charge_on) == (SCHEDULED, date(2026, 12, 20))


def test_no_balance_schedules_nothing():
    result = plan(balance="0.00")
    assert (result.kind, result.charge_on, result.amount) == (NOTHING_DUE, None, D("0.00"))


def test_a_credit_balance_schedules_nothing_even_after_the_due_date():
    result = plan(balance="-31.47", due=date(2026, 12, 1))
    assert result.kind == NOTHING_DUE


def test_an_equal_pay_account_is_charged_its_equal_pay_amount():
    result = plan(balance="212.40", equal_pay="95.00", due=date(2026, 12, 28))
    assert (result.kind, result.amount) == (SCHEDULED, D("95.00"))


def test_equal_pay_never_charges_more_than_is_due():
    assert amount_to_charge(balance_due=D("40.00"), equal_pay_amount=D("95.00")) == D("40.00")


def test_a_bill_without_a_due_date_is_due_now():
    result = plan(due=None)
    assert (result.kind, result.charge_on) == (NOW, TODAY)
