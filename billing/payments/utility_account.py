"""The office's provider accounts as Payment Providers shows them: the General account's name, and the
optional Utility bills account (added, changed or removed; its keys checked like the General ones).

Checkouts made only of utility bills are paid into the Utility bills account (`current_account(tenant,
utility_bills=True)`); its deposits are reconciled on their own. Removing it never deletes its row: the
payments that began on it finish on it, and its deposits stay on Deposit Reconciliation, "(retired)".
A new name on the same keys is the same account renamed; new keys are a new account (the old one retired).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from portal.models import Tenant
from portal.portal_settings import plain_text_problem

from . import stripe_keys
from .models import PaymentSettings
from .provider_account import ProviderAccount
from .providers import (account_keys, current_account, fingerprint, general_name_in_use, payment_settings,
                        utility_account_in_use)
from .settings import SettingsRefused, update_payment_settings

logger = logging.getLogger(__name__)

PAYING = ("sandbox",)  # providers on which a city may keep a second account for utility bills
# On Stripe, cards and bank accounts are saved with one account (the wallet, AutoPay) and cannot be charged through
# another, and the payment page tokenizes with one account's key: a second Stripe account would refuse them. Until the
# wallet keeps methods per account, a Stripe city has one account, whose payouts Deposit Reconciliation lists.
STRIPE_NOT_YET = gettext_lazy("On Stripe a Utility bills account is not offered: cards and bank accounts saved with the General "
                   "Stripe account (the wallet, AutoPay) cannot be charged through a second one. Every payment goes "
                   "to the General account, whose payouts Deposit Reconciliation lists.")
NO_PROVIDER = gettext_lazy("Choose a payment provider for the General account first: a Utility bills account is a second "
                "account at the same provider.")


def why_not(provider: str) -> str:
    """Why this provider cannot have a Utility bills account ("" when it can)."""
    if provider in PAYING:
        return ""
    return str(STRIPE_NOT_YET if provider == "stripe" else NO_PROVIDER)
KEYS = ("publishable_key", "secret_key", "webhook_secret")


class UtilityAccountRefused(Exception):
    """The Utility bills account cannot be saved or removed as asked; `errors` says why, by field ("" for all)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def general_name(*, tenant: Tenant) -> str:
    """The General account's name as the office reads it ("General" until it chooses another)."""
    keys = account_keys(payment_settings(tenant))
    found = list(tenant.provider_accounts.filter(fingerprint=fingerprint(**keys)).values_list("name", flat=True))
    name = found[0] if found else general_name_in_use(tenant)  # a new General account keeps the newest name
    return name or str(ProviderAccount.Purpose.GENERAL.label)


def utility_account(*, tenant: Tenant) -> ProviderAccount | None:
    """The Utility bills account in use on the city's current provider, or None."""
    provider = payment_settings(tenant).provider
    return utility_account_in_use(tenant, provider=provider) if provider in PAYING else None


def _locked_provider(tenant: Tenant) -> str:
    """The city's provider, its settings row locked so that one change of its accounts happens at a time."""
    settings = PaymentSettings.objects.select_for_update().get_or_create(tenant=tenant)[0]
    if settings.provider not in PAYING:
        raise UtilityAccountRefused({"": why_not(settings.provider)})
    return settings.provider


@transaction.atomic
def save_payment_providers(*, tenant: Tenant, changes: dict, name: str, acting_user) -> PaymentSettings:
    """Save the provider and its keys (update_payment_settings) and the General account's name."""
    name = " ".join(name.split()) or str(ProviderAccount.Purpose.GENERAL.label)
    if plain_text_problem(name):
        raise SettingsRefused(plain_text_problem(name))
    settings = update_payment_settings(tenant=tenant, changes=changes, acting_user=acting_user)
    account = current_account(tenant)
    if account.name != name:
        ProviderAccount.objects.filter(tenant=tenant, pk=account.pk).update(name=name)
        logger.info("general account renamed", extra={"acting_user_id": acting_user.id})
    return settings


def _key_errors(keys: dict, *, general: ProviderAccount) -> dict[str, str]:
    """What is wrong with the Utility bills account's Stripe keys, by field."""
    errors = {field: problem for field, problem in (
        ("publishable_key", stripe_keys.publishable_key_problem(keys["publishable_key"])),
        ("secret_key", stripe_keys.secret_key_problem(keys["secret_key"])),
        ("webhook_secret", stripe_keys.webhook_secret_problem(keys["webhook_secret"]))) if problem}
    required = {"publishable_key": _("Enter the Utility bills account's Stripe publishable key."),
                "secret_key": _("Enter the Utility bills account's Stripe secret key."),
                "webhook_secret": _("Enter the Utility bills account's Stripe webhook signing secret.")}
    errors.update({f: message for f, message in required.items() if not keys[f] and f not in errors})
    if errors:
        return errors
    problem = stripe_keys.mode_problem(publishable_key=keys["publishable_key"], secret_key=keys["secret_key"])
    if problem:
        return {"secret_key": problem}
    if stripe_keys.mode_problem(publishable_key=keys["publishable_key"], secret_key=general.secret_key):
        if stripe_keys.mode(general.secret_key) == "live":
            return {"publishable_key": _("The General account uses live keys: the Utility bills account must use "
                                         "live keys too.")}
        return {"publishable_key": _("The General account uses test keys: the Utility bills account must use "
                                     "test keys too.")}
    if keys["publishable_key"] == general.publishable_key or keys["secret_key"] == general.secret_key:
        return {"publishable_key": _("These are the General account's keys. The Utility bills account is a "
                                     "Stripe account of its own, with its own keys.")}
    return {}


@transaction.atomic
def save_utility_account(*, tenant: Tenant, name: str, publishable_key: str = "", secret_key: str = "",
                         webhook_secret: str = "", acting_user) -> ProviderAccount:
    """Add the city's Utility bills account on its provider, or change its name or keys (empty secrets: kept)."""
    provider = _locked_provider(tenant)
    general = current_account(tenant)
    active = utility_account_in_use(tenant, provider=provider)
    name = " ".join(name.split())
    errors = {}
    if not name:
        errors["name"] = _("Enter a name for the account, such as Utility.")
    elif plain_text_problem(name):
        errors["name"] = plain_text_problem(name)
    elif name.casefold() == general_name(tenant=tenant).casefold():
        errors["name"] = _("The General account has this name: choose another, such as Utility.")
    keys = {"provider": provider, "publishable_key": "", "secret_key": "", "webhook_secret": ""}
    if provider == "stripe":
        typed = {"publishable_key": publishable_key.strip(), "secret_key": secret_key.strip(),
                 "webhook_secret": webhook_secret.strip()}
        keys.update({f: typed[f] or (getattr(active, f) if active and f != "publishable_key" else "") for f in KEYS})
        errors.update(_key_errors(keys, general=general))
    if errors:
        raise UtilityAccountRefused(errors)
    if active is not None and all(getattr(active, f) == keys[f] for f in KEYS):
        if active.name != name:
            active.name = name
            active.save(update_fields=["name"])
        logger.info("utility account saved", extra={"acting_user_id": acting_user.id, "account_id": active.id})
        return active
    now = timezone.now()
    if active is not None:  # new keys: a new account; the old one stays for the payments made on it
        ProviderAccount.objects.filter(pk=active.pk).update(retired_at=now)
    account, created = tenant.provider_accounts.get_or_create(
        fingerprint=fingerprint(**keys, name=name), defaults={**keys, "name": name, "purpose": "utility"})
    if not created:  # these very keys and name were used before: the same account, in use again
        account.name, account.retired_at = name, None
        account.save(update_fields=["name", "retired_at"])
    account.tenant = tenant
    logger.info("utility account saved", extra={"acting_user_id": acting_user.id, "account_id": account.id})
    return account


@transaction.atomic
def retire_utility_account(*, tenant: Tenant, acting_user) -> ProviderAccount:
    """Stop using the Utility bills account (utility bills go to the General account again); its row stays."""
    provider = _locked_provider(tenant)
    active = utility_account_in_use(tenant, provider=provider)
    if active is None:
        raise UtilityAccountRefused({"": _("There is no Utility bills account to remove.")})
    active.retired_at = timezone.now()
    active.save(update_fields=["retired_at"])
    active.tenant = tenant
    logger.info("utility account retired", extra={"acting_user_id": acting_user.id, "account_id": active.id})
    return active
