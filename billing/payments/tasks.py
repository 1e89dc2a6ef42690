"""Payment tasks: posting charged payments, and asking again about unanswered charges."""

from celery import shared_task


@shared_task(name="billing.tasks.post_payment")
def post_payment(payment_id: int) -> list:
    """Post a just-charged payment's items to Cash Receipting."""
    from . import posting

    return posting.post_payment_items(payment_id=payment_id)


@shared_task(name="billing.tasks.post_waiting_payments")
def post_waiting_payments() -> dict:
    """Beat: post every waiting item whose retry time has come (COWS was down, or a worker died)."""
    import logging

    from . import checkout, posting

    try:
        checkout.recover_processing()
    except Exception:  # a provider's surprise must not stop every city's posting this round
        logging.getLogger(__name__).exception("recovering unanswered charges failed; posting anyway")
    return posting.post_due_items()


@shared_task(name="billing.tasks.find_returns")
def find_returns() -> dict:
    """Beat, daily: each city's ACH returns in its recent deposits, applied once (billing/payments/returns.py)."""
    import logging

    from portal.tenant_work import active_tenants, working_for

    from . import returns

    done = {}
    for tenant in active_tenants():
        with working_for(tenant):
            try:
                done[tenant.slug] = returns.find_returns(tenant=tenant)
            except Exception:  # one city's trouble must not stop the others'
                logging.getLogger(__name__).exception("finding returns failed for a city")
                done[tenant.slug] = "failed"
    return done
