"""The city bench_office.py measures: its office admins, portal users, link attempts, audit entries and
payments, bulk-made (bulk_create, as bench_autopay does) in a portal process set up by the benchmark."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

CHUNK = 5000  # rows per bulk_create
ADMINS = 4  # office admins whose writes fill the audit log (the first one is signed in)
ACTIONS = ("settings.payment", "settings.general", "settings.theme", "portal_user.unlink", "portal_user.link_for_them",
           "payment.retry", "view_as.start", "view_as.stop", "staff.invite", "communication.post", "autopay.unenroll",
           "email_template.save")


# --- the city ------------------------------------------------------------------------------------

def make_city(cows_url: str):
    """The city and its office admins (each with an authenticator app); returns (tenant, admins)."""
    from allauth.mfa.totp.internal.auth import TOTP

    from customers.models import Membership, User
    from portal.models import Tenant

    tenant = Tenant.objects.create(slug="bench", name="City of Bench", cows_url=cows_url, cows_api_key="bench-key")
    admins = []
    for n in range(ADMINS):
        admin = User.objects.create_user(email=f"clerk{n}@bench.example.org", password="x", first_name="Clerk",
                                         last_name=f"Number {n}")
        Membership.objects.create(tenant=tenant, user=admin, role=Membership.Role.OFFICE_ADMIN)
        TOTP.activate(admin, "JBSWY3DPEHPK3PXP")
        admins.append(admin)
    return tenant, admins


def _bulk(model, rows) -> list:
    out = []
    for start in range(0, len(rows), CHUNK):
        out += model.objects.bulk_create(rows[start:start + CHUNK])
    return out


def _number(n: int) -> str:
    """A customer number as Caselle writes them (route-account-suffix)."""
    return f"{n // 9000 + 1:03d}-{n % 9000 + 1000:04d}-{n % 7:02d}"


def person(n: int) -> tuple[str, str, str]:
    from caselle_sim.names import FIRST_NAMES, LAST_NAMES

    rng = random.Random(n)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = "".join(c for c in f"{first}.{last}".lower() if c.isalnum() or c == ".")
    return first, last, f"{local}.{n}@example.org"


def add_portal_users(tenant, start: int, stop: int) -> None:
    """Portal users start..stop-1: a member each, one linked account each, Caselle's snapshot of the account."""
    from django.db import transaction
    from django.utils import timezone

    from billing.accounts.models import AccountSnapshot
    from customers.models import LinkedAccount, Membership, User

    now = timezone.now()
    for lo in range(start, stop, CHUNK):
        ids = range(lo, min(stop, lo + CHUNK))
        with transaction.atomic():
            people = [person(n) for n in ids]
            users = User.objects.bulk_create([
                User(email=email, first_name=first, last_name=last, password="!bench",
                     date_joined=now - timedelta(minutes=7 * n)) for n, (first, last, email) in zip(ids, people)])
            Membership.objects.bulk_create([Membership(tenant=tenant, user=u, created_at=u.date_joined)
                                            for u in users])
            LinkedAccount.objects.bulk_create([
                LinkedAccount(tenant=tenant, user=u, account_key=_number(n).replace("-", ""),
                              customer_number=_number(n), linked_at=u.date_joined) for n, u in zip(ids, users)])
            # The holder is the portal user mostly; every fifth account is in a spouse's or landlord's name.
            AccountSnapshot.objects.bulk_create([
                AccountSnapshot(tenant=tenant, account_key=_number(n).replace("-", ""), fetched_at=now, data={
                    "customer_number": _number(n), "first_name": first if n % 5 else person(n + 1)[0],
                    "last_name": last, "service_address": f"{n % 900 + 100} Main St", "mailing_address": "",
                    "email": email, "balance_due": "42.17", "due_date": None, "send_paper_statement": n % 3 == 0,
                    "direct_pay": False, "udf": {}, "services": ["Water"], "active": True})
                for n, (first, last, email) in zip(ids, people)])


def add_link_attempts(tenant, start: int, stop: int, users: list) -> None:
    """Link attempts start..stop-1 over the last year: three in four failed (the screen's), the rest linked."""
    from django.utils import timezone

    from customers.models import LinkAttempt

    O, R, F = LinkAttempt.Outcome, LinkAttempt.Reason, LinkAttempt.Factor
    failures = [(O.FAILED, R.NAME), (O.FAILED, R.NO_ACCOUNT), (O.FAILED, R.AMOUNT), (O.BLOCKED, R.RATE_LIMITED),
                (O.UNAVAILABLE, R.UNAVAILABLE)]
    now = timezone.now()
    rows = []
    for n in range(start, stop):
        rng = random.Random(-n)
        user = users[n % len(users)]
        outcome, reason = (O.LINKED, "") if n % 4 == 0 else failures[n % len(failures)]
        number = _number(rng.randrange(len(users) * 2))
        rows.append(LinkAttempt(
            tenant=tenant, user=user, client_ip=f"198.51.100.{n % 250 + 1}",
            attempted_at=now - timedelta(seconds=rng.randrange(365 * 86400)), outcome=outcome,
            customer_number=number, account_key=number.replace("-", ""), factor=F.LAST_NAME if n % 3 else F.AMOUNT,
            tried_last_name=user.last_name if n % 3 else "", tried_amount=None if n % 3 else Decimal("57.20"),
            reason=reason, caselle_last_name="" if reason == R.NO_ACCOUNT else person(n)[1]))
    _bulk(LinkAttempt, rows)


def add_audit_entries(tenant, start: int, stop: int, admins: list) -> None:
    """Audit entries start..stop-1 over the last two years, by the office admins (append-only: only inserted)."""
    from django.utils import timezone

    from adminpanel.models import AuditEntry

    now = timezone.now()
    rows = []
    for n in range(start, stop):
        rng = random.Random(n * 7 + 1)
        admin = admins[n % len(admins)]
        action = ACTIONS[n % len(ACTIONS)]
        settings = action.startswith("settings.")
        rows.append(AuditEntry(
            tenant=tenant, at=now - timedelta(seconds=rng.randrange(2 * 365 * 86400)), actor=admin,
            actor_email=admin.email, action=action,
            summary=(f"Changed the {action.split('.')[1]} settings" if settings
                     else f"{action} for account {_number(n)}"),
            target="" if settings else f"account {_number(n)}",
            changes={"card_fee_percent": ["2.50", "2.95"], "allow_guest_payments": [False, True]} if settings else {},
            ip=f"203.0.113.{n % 250 + 1}"))
    _bulk(AuditEntry, rows)


def add_payments(tenant, start: int, stop: int, users: list) -> None:
    """Payments start..stop-1 over the last year (some today), each with one or two utility items, as checkout
    and posting leave them: posted mostly; received and waiting, failed, charging and never submitted too."""
    from django.db import transaction
    from django.utils import timezone

    from billing.payments.models import Payment, PaymentItem

    S, P = Payment.State, PaymentItem.PostState
    states = [S.POSTED] * 14 + [S.CHARGED, S.FAILED, S.FAILED, S.PROCESSING, S.CREATED]
    post_state = {S.POSTED: P.POSTED, S.CHARGED: P.WAITING, S.FAILED: P.VOID, S.PROCESSING: P.HELD,
                  S.CREATED: P.HELD}
    now = timezone.now()
    for lo in range(start, stop, CHUNK):
        payments, items = [], []
        for n in range(lo, min(stop, lo + CHUNK)):
            rng = random.Random(n * 13 + 5)
            user = users[n % len(users)]
            state = states[n % len(states)]
            created = now - timedelta(seconds=rng.randrange(3600) if n % 200 == 0 else rng.randrange(365 * 86400))
            amounts = [Decimal(rng.randrange(1500, 25000)) / 100 for _ in range(1 if n % 6 else 2)]
            amount = sum(amounts)
            fee = max(Decimal("1.50"), (amount * Decimal("0.0295")).quantize(Decimal("0.01"))) if n % 4 else Decimal(
                "0.95")
            reference = f"CC{n:014X}"
            charged = state in (S.POSTED, S.CHARGED)
            payments.append(Payment(
                tenant=tenant, reference=reference, idempotency_key=f"bench-{reference}", user=user,
                payer_email=user.email, payer_name=f"{user.first_name} {user.last_name}", state=state, amount=amount,
                fee=fee, total=amount + fee, method_kind="card" if n % 4 else "ach",
                method_brand="Visa" if n % 4 else "Checking", method_last4="4242" if n % 4 else "6789",
                method_token=f"tok_{n:020x}", provider="sandbox",
                provider_payment_id=f"ch_{n:020x}" if state != S.CREATED else "",
                failure_reason="Your card was declined." if state == S.FAILED else "", created_at=created,
                charged_at=created + timedelta(seconds=2) if charged else None,
                posted_at=created + timedelta(seconds=30) if state == S.POSTED else None))
            for k, value in enumerate(amounts):
                number = _number((n + k) % len(users))
                items.append((len(payments) - 1, dict(
                    tenant=tenant, reference=f"{reference}-{k + 1}", kind="utility",
                    account_key=number.replace("-", ""), customer_number=number, amount=value,
                    post_state=post_state[state], confirmation_number=f"R{n:08d}{k}" if state == S.POSTED else "",
                    posted_at=created + timedelta(seconds=30) if state == S.POSTED else None)))
        with transaction.atomic():
            made = Payment.objects.bulk_create(payments)
            PaymentItem.objects.bulk_create([PaymentItem(payment=made[i], **fields) for i, fields in items])


def grow(tenant, admins, sizes: dict[str, int], start: float, stop: float) -> None:
    """Every kind of row from `start` to `stop` (fractions) of its full size."""
    from customers.models import User

    def part(kind):
        return int(sizes[kind] * start), int(sizes[kind] * stop)

    add_portal_users(tenant, *part("accounts"))
    users = list(User.objects.filter(memberships__tenant=tenant, memberships__role="customer").order_by("id"))
    add_link_attempts(tenant, *part("attempts"), users)
    add_audit_entries(tenant, *part("audit"), admins)
    add_payments(tenant, *part("payments"), users)
    analyze()


def analyze() -> None:
    """Fresh planner statistics (and PostgreSQL's visibility map) after a bulk load, as autovacuum keeps them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# --- the pages -----------------------------------------------------------------------------------
