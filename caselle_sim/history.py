"""An account's history as the portal reads it: transaction lines, bills, meter reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import money
from .rates import METERED, SERVICE_BIT, SERVICES
from .store import Customer, Period

BILLING, PAYMENT, ADJUSTMENT = "Billing", "Payment", "Adjustment"


@dataclass(slots=True)
class Line:
    id: str
    date: date
    period_id: int
    group_id: str
    service: str
    description: str
    amount: int  # cents; negative for payments
    usage: str
    type: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id, "date": self.date.isoformat(), "period_id": self.period_id,
            "group_id": self.group_id, "service": self.service, "description": self.description,
            "amount": money.fmt(self.amount), "usage": self.usage, "type": self.type,
        }


@dataclass(slots=True)
class Group:
    """One bill, one payment or one adjustment: the rows the portal folds into one."""

    id: str
    date: date
    type: str
    period_id: int
    lines: list[Line]
    seq: int  # processing order, to break ties between groups of one date


@dataclass(slots=True)
class Read:
    service: str
    period_id: int
    period_label: str
    read_date: date
    previous_read: int
    current_read: int
    usage: int
    meter_number: str

    def to_json(self) -> dict[str, object]:
        return {
            "period_id": self.period_id, "period_label": self.period_label,
            "read_date": self.read_date.isoformat(), "previous_read": self.previous_read,
            "current_read": self.current_read, "usage": self.usage,
            "meter_number": self.meter_number,
        }


@dataclass(slots=True)
class Bill:
    bill_id: str
    period: Period
    previous_balance: int
    payments: int  # <= 0
    adjustments: int
    current_charges: int
    penalties: int
    total_due: int
    lines: list[Line]  # the billing lines (one per service)
    penalty_lines: list[Line]
    reads: dict[str, Read]

    def to_json(self, pdf_available: bool) -> dict[str, object]:
        p = self.period
        return {
            "bill_id": self.bill_id, "period_id": p.id, "period_label": p.label,
            "bill_date": p.bill_date.isoformat(), "due_date": p.due_date.isoformat(),
            "previous_balance": money.fmt(self.previous_balance),
            "payments": money.fmt(self.payments), "adjustments": money.fmt(self.adjustments),
            "current_charges": money.fmt(self.current_charges),
            "penalties": money.fmt(self.penalties), "total_due": money.fmt(self.total_due),
            "pdf_available": pdf_available,
        }


@dataclass(slots=True)
class Ledger:
    customer: Customer
    groups: list[Group] = field(default_factory=list)  # in processing (time) order
    bills: list[Bill] = field(default_factory=list)  # closed periods, oldest first
    balance: int = 0
    draft_charges: int | None = None  # the open period's drafted bill (not final)

    @property
    def last_bill(self) -> Bill | None:
        return self.bills[-1] if self.bills else None

    def transactions(self, since: date | None = None) -> list[Line]:
        """Newest first; a group's lines stay in service order."""
        groups = sorted(self.groups, key=lambda g: (g.date, g.seq), reverse=True)
        out: list[Line] = []
        for g in groups:
            if since is None or g.date >= since:
                out.extend(g.lines)
        return out

    def usage(self) -> dict[str, list[Read]]:
        """Reads of each metered service over the closed periods, oldest first."""
        return {s: [b.reads[s] for b in self.bills if s in b.reads]
                for s in METERED if self.customer.services & SERVICE_BIT[s]}

    def services(self) -> list[str]:
        return [s for s in SERVICES if self.customer.services & SERVICE_BIT[s]]

