"""Reads of the office's people screens (Landlords, Portal Users, Failed link attempts), each from the city.

customers owns the rows; the account holder's name comes from billing's snapshot of Caselle.
Each screen's row is a dict made here, the same on the screen and in its export.
"""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.accounts.models import AccountSnapshot
from communications.campaigns.audience import members
from customers.models import LandlordLink, LinkAttempt, LinkedAccount, User
from portal.models import Tenant

from .listing import DATETIME_FORMAT, Column

FAILED = (LinkAttempt.Outcome.FAILED, LinkAttempt.Outcome.BLOCKED, LinkAttempt.Outcome.UNAVAILABLE)


def person_name(user) -> str:
    return f"{user.first_name} {user.last_name}".strip()


# --- Portal Users ---------------------------------------------------------------------------

def portal_user_links(*, tenant: Tenant) -> QuerySet[LinkedAccount]:
    """Every account linked to a portal user of the city, with the person and Caselle's name for the account."""
    snapshot = AccountSnapshot.objects.filter(tenant=OuterRef("tenant"), account_key=OuterRef("account_key"))
    return (tenant.linked_accounts.select_related("user")
            .annotate(holder_first=Subquery(snapshot.values(name=KT("data__first_name"))[:1]),
                      holder_last=Subquery(snapshot.values(name=KT("data__last_name"))[:1]),
                      paperless=billed_by_email(), paper=billed_by_email(False))
            .order_by("user__email", "customer_number", "id"))


def billed_by_email(paperless: bool = True) -> Exists:
    """For an outer row with tenant and account_key: Caselle last said its bill goes by email (False: on paper)."""
    return Exists(AccountSnapshot.objects.filter(tenant=OuterRef("tenant"), account_key=OuterRef("account_key"),
                                                 data__send_paper_statement=not paperless))


def paperless_links(links: QuerySet[LinkedAccount], *, paperless: bool = True) -> QuerySet[LinkedAccount]:
    """The links whose account Caselle last said is billed by email (or, paperless=False, on paper)."""
    return links.filter(billed_by_email(paperless))


def statement_label(link: LinkedAccount) -> str:
    """How the account's bill goes out, as Caselle last said: by email, on paper, or not read yet."""
    return _("By email") if link.paperless else _("Paper") if link.paper else _("Not read yet")


def digits(text: str) -> str:
    return re.sub(r"[\s.\-]", "", text)


def number_match(value: str, *, prefix: str = "") -> Q:
    """A customer number typed with or without dashes, periods or spaces."""
    match = Q(**{f"{prefix}customer_number__icontains": value.strip()})
    if digits(value).isdigit():
        match |= Q(**{f"{prefix}account_key__contains": digits(value)})
    return match


def person_match(word: str, *, prefix: str = "user__") -> Q:
    return (Q(**{f"{prefix}email__icontains": word}) | Q(**{f"{prefix}first_name__icontains": word})
            | Q(**{f"{prefix}last_name__icontains": word}))


def search_links(links: QuerySet[LinkedAccount], value: str) -> QuerySet[LinkedAccount]:
    """Portal Users' search: a customer number (any dashes), else each word in the person's or holder's name."""
    if digits(value).isdigit():
        return links.filter(number_match(value))
    for word in value.split():
        links = links.filter(person_match(word) | Q(holder_first__icontains=word) | Q(holder_last__icontains=word))
    return links


def find_members(*, tenant: Tenant, query: str, limit: int = 20) -> list[User]:
    """The city's portal users found by Portal Users' search (their linked accounts' too), by email; one query."""
    query = " ".join((query or "").split())
    if not query:
        return []
    match = Q(pk__in=search_links(portal_user_links(tenant=tenant), query).order_by().values("user_id"))
    if not digits(query).isdigit():
        match |= Q(*(person_match(word, prefix="") for word in query.split()))
    return list(members(tenant=tenant).filter(match).order_by("email")[:limit])


def portal_user_row(link: LinkedAccount, zone) -> dict:
    user = link.user
    return {"id": link.pk, "user_id": user.pk, "email": user.email, "name": person_name(user),
            "customer_number": link.customer_number,
            "holder": " ".join(n for n in (link.holder_first, link.holder_last) if n),
            "bills": statement_label(link), "linked_at": timezone.localtime(link.linked_at, zone)}


def portal_user_columns() -> list[Column]:
    return [
        Column(_("Email"), lambda r: r["email"], width=32),
        Column(_("Name"), lambda r: r["name"], width=24),
        Column(_("Customer number"), lambda r: r["customer_number"], width=16),
        Column(_("Name on the account"), lambda r: r["holder"], width=28),
        Column(_("Bills"), lambda r: r["bills"], width=14),
        Column(_("Linked"), lambda r: r["linked_at"].replace(tzinfo=None), DATETIME_FORMAT, 18),
    ]


def access_linked_account(*, tenant: Tenant, link_id: int) -> LinkedAccount:
    """The city's account link with this id, or 404 (another city's alike)."""
    found = tenant.linked_accounts.select_related("user").filter(pk=link_id).first()
    if found is None:
        raise Http404
    return found


def access_member(*, tenant: Tenant, user_id: int) -> User:
    """A portal user of the city (a member), or 404: another city's people are never found here."""
    membership = tenant.memberships.select_related("user").filter(user_id=user_id, user__is_active=True).first()
    if membership is None:
        raise Http404
    return membership.user


# --- Landlords ------------------------------------------------------------------------------

def landlord_links(*, tenant: Tenant) -> QuerySet[LandlordLink]:
    """The city's landlord and cosigner links, newest first, with the person and the clerk who linked."""
    return tenant.landlord_links.select_related("user", "linked_by").order_by("-linked_at", "-id")


def landlord_rows(links, *, tenant: Tenant) -> list[dict]:
    """Rows of Landlord Management's list; the number of accounts as the portal last saw it (one query)."""
    links = list(links)
    seen = {s.landlord_id: s for s in tenant.landlord_snapshots.filter(
        landlord_id__in={link.landlord_id for link in links}).only("landlord_id", "customer_numbers", "fetched_at")}
    rows = []
    for link in links:
        snap = seen.get(link.landlord_id)
        count = len(snap.customer_numbers) if snap and snap.fetched_at >= link.linked_at else link.account_count
        rows.append({"id": link.pk, "user_id": link.user_id, "email": link.user.email, "name": person_name(link.user),
                     "landlord_id": link.landlord_id, "landlord_name": link.landlord_name,
                     "kind": kind_label(link.landlord_kind), "accounts": count,
                     "linked_at": timezone.localtime(link.linked_at, tenant.zone),
                     "linked_by": link.linked_by.email if link.linked_by else ""})
    return rows


def kind_label(kind: str) -> str:
    return {"landlord": _("Landlord"), "cosigner": _("Cosigner")}.get(kind, kind.title())


def access_landlord_link(*, tenant: Tenant, link_id: int) -> LandlordLink:
    found = landlord_links(tenant=tenant).filter(pk=link_id).first()
    if found is None:
        raise Http404
    return found


# --- Failed link attempts -------------------------------------------------------------------

def failed_attempts(*, tenant: Tenant) -> QuerySet[LinkAttempt]:
    """The city's failed, blocked and unanswered link attempts, newest first, and whether the account is linked now."""
    theirs = LinkedAccount.objects.filter(tenant=OuterRef("tenant"), user=OuterRef("user"))
    return (tenant.link_attempts.filter(outcome__in=FAILED).select_related("user")
            .annotate(now_linked=Exists(theirs.filter(account_key=OuterRef("account_key"))),
                      linked_since=Exists(theirs.filter(linked_at__gte=OuterRef("attempted_at"))))
            .order_by("-attempted_at", "-id"))


def attempt_row(attempt: LinkAttempt, zone) -> dict:
    tried = []
    if attempt.tried_last_name:
        tried.append(_("last name “%(name)s”") % {"name": attempt.tried_last_name})
    if attempt.tried_amount is not None:
        tried.append(_("last bill $%(amount)s") % {"amount": attempt.tried_amount})
    return {"id": attempt.pk, "user_id": attempt.user_id, "email": attempt.user.email,
            "name": person_name(attempt.user), "at": timezone.localtime(attempt.attempted_at, zone),
            "customer_number": attempt.customer_number, "factor": attempt.get_factor_display(),
            "tried": "; ".join(tried), "reason": attempt.get_reason_display(), "reason_code": attempt.reason,
            "caselle_last_name": attempt.caselle_last_name, "now_linked": attempt.now_linked,
            "linked_since": attempt.linked_since}


def access_failed_attempt(*, tenant: Tenant, attempt_id: int) -> LinkAttempt:
    found = failed_attempts(tenant=tenant).filter(pk=attempt_id).first()
    if found is None:
        raise Http404
    return found
