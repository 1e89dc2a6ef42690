"""Paying: checkout, service fees, the cart, the wallet, other payments and pay as guest, receipts,
the payment state machine (states.transition), the providers (sandbox, Stripe), their webhooks, and
the outbox that posts each charged payment to Cash Receipting exactly once (posting.py).
"""
