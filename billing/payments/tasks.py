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
