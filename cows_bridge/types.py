"""Validated data objects returned by the bridge. Money is Decimal, dates are dates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from . import fields as f
from .errors import CowsBadResponse


def normalize_customer_number(raw: str) -> str:
    """Digits only: '001-0042-00', '001.0042.00' and '001 0042 00' are the same account."""
    return re.sub(r"\D", "", raw or "")


@dataclass(frozen=True)
class AccountSummary:
    customer_number: str
    first_name: str
    last_name: str
    service_address: str
    mailing_address: str
    email: str
    balance_due: Decimal
    due_date: date | None
    last_billed_amount: Decimal | None
    last_bill_date: date | None
    equal_pay_amount: Decimal | None
    send_paper_statement: bool
    direct_pay: bool
    udf: dict[str, bool] = field(default_factory=dict)
    services: tuple[str, ...] = ()
    metered_services: tuple[str, ...] = ()
    landlord_ids: tuple[int, ...] = ()
    active: bool = True

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def key(self) -> str:
        return normalize_customer_number(self.customer_number)

    @classmethod
    def from_json(cls, data: Any) -> "AccountSummary":
        f.obj(data, "account summary")
        udf = f.obj(data.get("udf") or {}, "udf")
        if not all(isinstance(v, bool) for v in udf.values()):
            raise CowsBadResponse("udf flags are not true or false")
        landlord_ids = f.listing(data, "landlord_ids")
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in landlord_ids):
            raise CowsBadResponse("landlord_ids are not whole numbers")
        return cls(
            customer_number=f.text(data, "customer_number", required=True),
            first_name=f.text(data, "first_name"),
            last_name=f.text(data, "last_name", required=True),
            service_address=f.text(data, "service_address"),
            mailing_address=f.text(data, "mailing_address"),
            email=f.text(data, "email"),
            balance_due=f.money(data.get("balance_due"), "balance_due"),
            due_date=f.day(data.get("due_date"), "due_date"),
            last_billed_amount=f.opt_money(data.get("last_billed_amount"), "last_billed_amount"),
            last_bill_date=f.day(data.get("last_bill_date"), "last_bill_date"),
            equal_pay_amount=f.opt_money(data.get("equal_pay_amount"), "equal_pay_amount"),
            send_paper_statement=f.flag(data, "send_paper_statement", default=True),
            direct_pay=f.flag(data, "direct_pay", default=False),
            udf={str(k): v for k, v in udf.items()},
            services=f.texts(data, "services"),
            metered_services=f.texts(data, "metered_services"),
            landlord_ids=tuple(landlord_ids),
            active=f.flag(data, "active", default=True),
        )

    def to_json(self) -> dict:
        """The form kept in the portal's snapshot (and read back with from_json)."""
        def s(v):
            return None if v is None else str(v)

        return {
            "customer_number": self.customer_number, "first_name": self.first_name, "last_name": self.last_name,
            "service_address": self.service_address, "mailing_address": self.mailing_address, "email": self.email,
            "balance_due": s(self.balance_due), "due_date": s(self.due_date),
            "last_billed_amount": s(self.last_billed_amount), "last_bill_date": s(self.last_bill_date),
            "equal_pay_amount": s(self.equal_pay_amount), "send_paper_statement": self.send_paper_statement,
            "direct_pay": self.direct_pay, "udf": dict(self.udf), "services": list(self.services),
            "metered_services": list(self.metered_services), "landlord_ids": list(self.landlord_ids),
            "active": self.active,
        }


@dataclass(frozen=True)
class Landlord:
    id: int
    name: str
    kind: str
    customer_numbers: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any) -> "Landlord":
        return cls(id=f.integer(data, "id"), name=f.text(data, "name", required=True),
                   kind=f.text(data, "kind") or "landlord", customer_numbers=f.texts(data, "customer_numbers"))


@dataclass(frozen=True)
class Period:
    id: int
    label: str
    bill_date: date | None
    due_date: date | None
    state: str

    @classmethod
    def from_json(cls, data: Any) -> "Period":
        return cls(id=f.integer(data, "id"), label=f.text(data, "label", required=True),
                   bill_date=f.day(data.get("bill_date"), "bill_date"),
                   due_date=f.day(data.get("due_date"), "due_date"), state=f.text(data, "state"))

    @classmethod
    def maybe(cls, data: Any, key: str) -> "Period | None":
        """The period in ``data[key]``, or None when COWS says there is none."""
        value = f.obj(data, "the answer").get(key)
        return cls.from_json(value) if value is not None else None


@dataclass(frozen=True)
class OfficeStatus:
    office: str
    name: str
    open_period: Period | None
    last_closed_period: Period | None

    @classmethod
    def from_json(cls, data: Any) -> "OfficeStatus":
        return cls(office=f.text(data, "office", required=True), name=f.text(data, "name"),
                   open_period=Period.maybe(data, "open_period"),
                   last_closed_period=Period.maybe(data, "last_closed_period"))


@dataclass(frozen=True)
class BillInfo:
    bill_id: str
    period_id: int
    period_label: str
    bill_date: date
    due_date: date | None
    previous_balance: Decimal
    payments: Decimal
    adjustments: Decimal
    current_charges: Decimal
    penalties: Decimal
    total_due: Decimal
    pdf_available: bool

    @classmethod
    def from_json(cls, d: Any) -> "BillInfo":
        f.obj(d, "bill")
        return cls(
            bill_id=f.text(d, "bill_id", required=True), period_id=f.integer(d, "period_id"),
            period_label=f.text(d, "period_label"), bill_date=f.required_day(d, "bill_date"),
            due_date=f.day(d.get("due_date"), "due_date"),
            previous_balance=f.money(d.get("previous_balance", "0"), "previous_balance"),
            payments=f.money(d.get("payments", "0"), "payments"),
            adjustments=f.money(d.get("adjustments", "0"), "adjustments"),
            current_charges=f.money(d.get("current_charges", "0"), "current_charges"),
            penalties=f.money(d.get("penalties", "0"), "penalties"), total_due=f.money(d.get("total_due"), "total_due"),
            pdf_available=f.flag(d, "pdf_available", default=False),
        )


@dataclass(frozen=True)
class TransactionLine:
    id: str
    date: date
    period_id: int | None
    group_id: str
    service: str
    description: str
    amount: Decimal
    usage: Decimal | None
    type: str

    @classmethod
    def from_json(cls, d: Any) -> "TransactionLine":
        f.obj(d, "transaction")
        usage = d.get("usage")
        return cls(
            id=f.text(d, "id", required=True), date=f.required_day(d, "date"),
            period_id=f.integer(d, "period_id", required=False), group_id=f.text(d, "group_id", required=True),
            service=f.text(d, "service"), description=f.text(d, "description"),
            amount=f.money(d.get("amount"), "amount"),
            usage=None if usage in (None, "") else f.number(usage, "usage"), type=f.text(d, "type"),
        )


@dataclass(frozen=True)
class UsageReadInfo:
    service: str
    period_id: int
    period_label: str
    read_date: date
    previous_read: Decimal
    current_read: Decimal
    usage: Decimal
    meter_number: str

    @classmethod
    def from_json(cls, service: str, d: Any) -> "UsageReadInfo":
        f.obj(d, "meter read")
        return cls(service=service, period_id=f.integer(d, "period_id"), period_label=f.text(d, "period_label"),
                   read_date=f.required_day(d, "read_date"),
                   previous_read=f.number(d.get("previous_read"), "previous_read"),
                   current_read=f.number(d.get("current_read"), "current_read"),
                   usage=f.number(d.get("usage"), "usage"), meter_number=f.text(d, "meter_number"))


@dataclass(frozen=True)
class Receipt:
    confirmation_number: str
    reference: str
    amount: Decimal
    created: bool
    posted_at: datetime | None

    @classmethod
    def from_json(cls, d: Any) -> "Receipt":
        return cls(confirmation_number=f.text(d, "confirmation_number", required=True),
                   reference=f.text(d, "reference", required=True), amount=f.money(f.obj(d, "receipt").get("amount"), "amount"),
                   created=f.flag(d, "created", default=False), posted_at=f.moment(d.get("posted_at")))


@dataclass(frozen=True)
class Distribution:
    code: str
    name: str
    allow_online_payments: bool
    allow_portal_payments: bool

    @classmethod
    def from_json(cls, d: Any) -> "Distribution":
        return cls(code=f.text(d, "code", required=True), name=f.text(d, "name", required=True),
                   allow_online_payments=f.flag(d, "allow_online_payments", default=False),
                   allow_portal_payments=f.flag(d, "allow_portal_payments", default=False))


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    interfaced: bool
    reference_label: str
    distributions: tuple[Distribution, ...]

    @classmethod
    def from_json(cls, d: Any) -> "Category":
        return cls(code=f.text(d, "code", required=True), name=f.text(d, "name", required=True),
                   interfaced=f.flag(d, "interfaced", default=False), reference_label=f.text(d, "reference_label"),
                   distributions=tuple(Distribution.from_json(x) for x in f.listing(d, "distributions")))

    @property
    def portal_distributions(self) -> tuple[Distribution, ...]:
        return tuple(x for x in self.distributions if x.allow_portal_payments)
