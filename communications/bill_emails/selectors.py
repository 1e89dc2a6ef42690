"""Reads for the office's Email Bills screen: each run with its figures, in a fixed number of queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from portal.models import Tenant

from .models import BillEmailAccount, BillEmailRun

Account = BillEmailAccount.State


@dataclass
class RunFigures:
    run: BillEmailRun
    accounts: int = 0  # paperless accounts the run looked at
    waiting_pdf: int = 0
    no_pdf: int = 0  # gave up waiting
    not_sent: int = 0  # no bill this period, no address, back on paper
    emails: Counter = field(default_factory=Counter)  # outbox rows by state

    @property
    def queued(self) -> int:
        """Every email the run queued, whatever became of it."""
        return sum(self.emails.values())

    @property
    def sent(self) -> int:
        return self.emails["sent"]

    @property
    def failed(self) -> int:
        return self.emails["failed"] + self.emails["bounced"]

    @property
    def suppressed(self) -> int:
        return self.emails["suppressed"]

    @property
    def waiting_to_send(self) -> int:
        return self.emails["queued"]


def runs(*, tenant: Tenant) -> QuerySet[BillEmailRun]:
    """The city's runs, newest first."""
    return tenant.bill_email_runs.order_by("-started_at", "-id")


def run_figures(*, tenant: Tenant, runs: list[BillEmailRun]) -> list[RunFigures]:
    """Each run's accounts by outcome and its emails by state (the outbox rows of its source): two queries."""
    from communications.outbox.models import OutboundEmail

    figures = {run.pk: RunFigures(run) for run in runs}
    by_source = {run.source: figures[run.pk] for run in runs}
    if not runs:
        return []
    for row in (BillEmailAccount.objects.filter(tenant=tenant, run__in=list(figures))
                .values("run_id", "state").annotate(n=Count("id"))):
        f = figures[row["run_id"]]
        f.accounts += row["n"]
        if row["state"] == Account.WAITING_PDF:
            f.waiting_pdf += row["n"]
        elif row["state"] == Account.GAVE_UP:
            f.no_pdf += row["n"]
        elif row["state"] != Account.QUEUED:
            f.not_sent += row["n"]
    from .again import superseded

    # A failed email sent again counts as its copy, not twice.
    for row in (OutboundEmail.objects.filter(tenant=tenant, source__in=list(by_source)).filter(~superseded())
                .values("source", "state").annotate(n=Count("id"))):
        by_source[row["source"]].emails[row["state"]] += row["n"]
    return list(figures.values())


def access_run(*, tenant: Tenant, run_id: int) -> BillEmailRun:
    """One of the city's runs; DoesNotExist for another city's or a missing one alike."""
    return tenant.bill_email_runs.get(pk=run_id)
