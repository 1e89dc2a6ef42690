"""Email Bills runs: started when a close is seen, walked in chunks by whichever worker claims them.

A run is one row per (city, period), so a second close signal, beat or worker starts nothing new. A worker
claims it with one conditional UPDATE (`claim_run`), walks the known accounts in key order, `CHUNK` at a time,
and commits each chunk's outbox rows with the account rows and the cursor in one transaction, still holding the
claim; so a worker killed mid-walk leaves the rest to the next sweep, from the cursor, and the outbox's keys
(`bill:<bill>:<account>:<address>`) make a chunk done twice queue nothing twice. Accounts whose bill PDF is not
there yet wait: the run comes due again every `PDF_RETRY` and gives up on an account after `PDF_TRIES` looks.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing.accounts.models import PeriodState
from cows_bridge import client as cows
from cows_bridge.errors import CowsError
from cows_bridge.wording import reason_of
from portal.models import Tenant

from ..selectors import latest_communication_link
from .models import BillEmailAccount, BillEmailRun
from .selection import Outcome, known_account_keys, plan_account, portal_addresses

logger = logging.getLogger(__name__)

CHUNK = 50
CLAIM_FOR = timedelta(minutes=10)  # one chunk takes far less; a dead worker's claim runs out after this
BUDGET_SECONDS = 50.0  # a task stops after the chunk that passes this, and the run is due again at once
COWS_RETRY = timedelta(minutes=5)
PDF_RETRY = timedelta(minutes=30)
PDF_TRIES = 48  # a day of looks for a bill PDF Caselle has not attached yet
CATCH_UP = timedelta(days=2)  # a close seen this recently with no run gets one (a lost signal)

Run, Account = BillEmailRun, BillEmailAccount


class ClaimLost(Exception):
    """Another worker holds the run now (this one's claim ran out): its chunk is rolled back."""


def start_run(*, tenant: Tenant, period_id: int, period_label: str, now: datetime | None = None) -> Run | None:
    """The run of this closed period, due now; None when it exists already (a second signal starts nothing)."""
    run, created = Run.objects.get_or_create(tenant=tenant, period_id=period_id, defaults={
        "period_label": period_label, "due_at": now or timezone.now()})
    return run if created else None


def start_missed_runs(*, now: datetime) -> list[Run]:
    """A run for each recent close the portal saw but started no run for (the signal's receiver never ran)."""
    started = []
    states = (PeriodState.objects.filter(close_seen_at__gte=now - CATCH_UP, last_closed_period_id__isnull=False,
                                         tenant__is_active=True).select_related("tenant"))
    have = set(Run.objects.filter(tenant__in=[s.tenant_id for s in states]).values_list("tenant_id", "period_id"))
    for state in states:
        if (state.tenant_id, state.last_closed_period_id) not in have:
            run = start_run(tenant=state.tenant, period_id=state.last_closed_period_id,
                            period_label=state.last_closed_period_label, now=now)
            if run is not None:
                logger.warning("Email Bills of %s started by the sweep (the close signal was missed)", run.period_label)
                started.append(run)
    return started


def due_runs(*, now: datetime) -> list[tuple[int, int]]:
    """(run id, city id) of the runs a sweep should work on now."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return list(Run.objects.filter(due_at__lte=now, tenant__is_active=True).exclude(state=Run.State.DONE)
                .filter(free).order_by("due_at", "id").values_list("id", "tenant_id"))


def claim_run(*, run_id: int, now: datetime, force: bool = False) -> str | None:
    """Take the run for this worker in one conditional UPDATE; its claim token, or None when it is not ours."""
    token = uuid.uuid4().hex
    query = (Run.objects.filter(pk=run_id).exclude(state=Run.State.DONE)
             .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)))
    if not force:
        query = query.filter(due_at__lte=now)
    return token if query.update(claim_token=token, claimed_until=now + CLAIM_FOR) == 1 else None


def _release(run: Run, token: str, **fields) -> None:
    Run.objects.filter(pk=run.pk, claim_token=token).update(claim_token="", claimed_until=None, **fields)


def work_on_run(*, run_id: int, now: datetime | None = None, force: bool = False,
                budget: float = BUDGET_SECONDS) -> str:
    """Claim the run and work on it until it waits, is done or the budget is spent; returns what happened."""
    now = now or timezone.now()
    token = claim_run(run_id=run_id, now=now, force=force)
    if token is None:
        return "skipped"
    run = Run.objects.select_related("tenant").get(pk=run_id)
    started = time.monotonic()
    try:
        while True:
            more = _walk_chunk(run, token, now) if run.state == Run.State.WALKING else _retry_waiting(run, token, now)
            if not more:
                return _finish(run, token, now)
            if time.monotonic() - started > budget:
                _release(run, token, due_at=timezone.now())
                return "more"
    except ClaimLost:
        logger.warning("Email Bills %s: another worker took the run over", run.period_label)
        return "lost"
    except CowsError as exc:
        logger.warning("Email Bills %s wait for COWS: %s", run.period_label, exc)
        _release(run, token, due_at=now + COWS_RETRY, last_error=reason_of(exc))
        return "cows_unavailable"


def _walk_chunk(run: Run, token: str, now: datetime) -> bool:
    """The next chunk of known accounts after the cursor; False when none are left."""
    keys = known_account_keys(tenant=run.tenant, after=run.cursor, limit=CHUNK)
    if not keys:
        return False
    outcomes = _plan(run, keys, waiting={})
    _commit_chunk(run, token, outcomes, tries={}, cursor=keys[-1], looked_at=now)
    run.cursor = keys[-1]
    return True


def _retry_waiting(run: Run, token: str, now: datetime) -> bool:
    """One more look at the accounts still waiting for their PDF; False when each had its look.

    An account looked at in the last half of PDF_RETRY (in this pass, or in one a task's budget cut short)
    waits for the next pass, so none is looked at more often than the retry rhythm.
    """
    rows = (run.accounts.filter(state=Account.State.WAITING_PDF, updated_at__lt=now - PDF_RETRY / 2)
            .order_by("account_key").values_list("account_key", "pdf_tries", "customer_number")[:CHUNK])
    waiting = {key: (tries, number) for key, tries, number in rows}
    if not waiting:
        return False
    outcomes = _plan(run, list(waiting), waiting=waiting)
    _commit_chunk(run, token, outcomes, tries={k: t for k, (t, _n) in waiting.items()}, cursor=None, looked_at=now)
    return True


def _plan(run: Run, keys: list[str], *, waiting: dict[str, tuple[int, str]]) -> list[Outcome]:
    """Ask Caselle about the accounts and plan each paperless one's email (the HTTP part, outside a transaction)."""
    tenant = run.tenant
    found, _missing = cows.get_accounts(tenant, keys)
    paperless = [found[k] for k in keys if k in found and not found[k].send_paper_statement]
    addresses = portal_addresses(tenant=tenant, keys=[s.key for s in paperless])
    latest = latest_communication_link(tenant=tenant)
    outcomes = [plan_account(tenant=tenant, summary=s, period_id=run.period_id, period_label=run.period_label,
                             portal=addresses.get(s.key, []), latest=latest) for s in paperless]
    if waiting:  # an account back on paper statements since (or gone): nothing to send any more
        planned = {o.account_key for o in outcomes}
        outcomes += [Outcome(k, waiting[k][1], Account.State.PAPER) for k in keys if k not in planned]
    return outcomes


def _commit_chunk(run: Run, token: str, outcomes: list[Outcome], *, tries: dict[str, int],
                  cursor: str | None, looked_at: datetime) -> None:
    """The chunk's emails, account rows (looked at `looked_at`, the pass's time) and cursor in one transaction,
    while the claim is still this worker's."""
    from .sending import queue_bill_email

    now = timezone.now()
    rows = []
    with transaction.atomic():
        held = Run.objects.filter(pk=run.pk, claim_token=token, claimed_until__gt=now)
        if not held.update(claimed_until=now + CLAIM_FOR, **({"cursor": cursor} if cursor is not None else {})):
            raise ClaimLost
        for o in outcomes:
            state, pdf_tries = o.state, tries.get(o.account_key, 0)
            if state == Account.State.WAITING_PDF:
                pdf_tries += 1
                if pdf_tries >= PDF_TRIES:
                    state = Account.State.GAVE_UP
            if o.email is not None:
                queue_bill_email(tenant=run.tenant, run=run, account_number=o.customer_number, email=o.email)
            rows.append(Account(tenant=run.tenant, run=run, account_key=o.account_key,
                                customer_number=o.customer_number, bill_id=o.bill_id, state=state, pdf_tries=pdf_tries,
                                recipients=len(o.email.to) if o.email else 0, updated_at=looked_at))
        Account.objects.bulk_create(rows, update_conflicts=True, unique_fields=["tenant", "run", "account_key"],
                                    update_fields=["customer_number", "bill_id", "state", "pdf_tries", "recipients",
                                                   "updated_at"])


def _finish(run: Run, token: str, now: datetime) -> str:
    """After a walk or a retry pass: wait for the PDFs still missing (due again from `now`), or done."""
    if run.accounts.filter(state=Account.State.WAITING_PDF).exists():
        _release(run, token, state=Run.State.WAITING, due_at=now + PDF_RETRY, last_error="")
        run.state = Run.State.WAITING
        return "waiting"
    _release(run, token, state=Run.State.DONE, due_at=None, finished_at=timezone.now(), last_error="")
    run.state = Run.State.DONE
    return "done"
