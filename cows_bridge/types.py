"""Validated data objects returned by the bridge. Money is Decimal, dates are dates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import CowsBadResponse


def normalize_customer_number(raw: str) -> str:
    """Digits only: '001-0042-00', '001.0042.00' and '001 0042 00' are the same account."""
    return re.sub(r"\D", "", raw or "")


def _money(value: Any, name: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise CowsBadResponse(f"{name} is not an amount: {value!r}") from None
    if not amount.is_finite():
        raise CowsBadResponse(f"{name} is not finite")
    return amount.quantize(Decimal("0.01"))


def _opt_money(value: Any, name: str) -> Decimal | None:
    return None if value in (None, "") else _money(value, name)


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CowsBadResponse(f"{name} is not a date: {value!r}") from None


def _require(data: dict, key: str) -> Any:
    try:
        return data[key]
    except (KeyError, TypeError):
        raise CowsBadResponse(f"missing field {key!r}") from None


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
    def from_json(cls, data: dict) -> "AccountSummary":
        if not isinstance(data, dict):
            raise CowsBadResponse("account summary is not an object")
        return cls(
            customer_number=str(_require(data, "customer_number")),
            first_name=str(data.get("first_name") or ""),
            last_name=str(_require(data, "last_name")),
            service_address=str(data.get("service_address") or ""),
            mailing_address=str(data.get("mailing_address") or ""),
            email=str(data.get("email") or ""),
            balance_due=_money(_require(data, "balance_due"), "balance_due"),
            due_date=_date(data.get("due_date"), "due_date"),
            last_billed_amount=_opt_money(data.get("last_billed_amount"), "last_billed_amount"),
            last_bill_date=_date(data.get("last_bill_date"), "last_bill_date"),
            equal_pay_amount=_opt_money(data.get("equal_pay_amount"), "equal_pay_amount"),
            send_paper_statement=bool(data.get("send_paper_statement", True)),
            direct_pay=bool(data.get("direct_pay", False)),
            udf={str(k): bool(v) for k, v in (data.get("udf") or {}).items()},
            services=tuple(str(s) for s in data.get("services") or ()),
            metered_services=tuple(str(s) for s in data.get("metered_services") or ()),
            landlord_ids=tuple(int(i) for i in data.get("landlord_ids") or ()),
            active=bool(data.get("active", True)),
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
    def from_json(cls, data: dict) -> "Landlord":
        return cls(id=int(_require(data, "id")), name=str(_require(data, "name")),
                   kind=str(data.get("kind") or "landlord"),
                   customer_numbers=tuple(str(n) for n in data.get("customer_numbers") or ()))


@dataclass(frozen=True)
class Period:
    id: int
    label: str
    bill_date: date | None
    due_date: date | None
    state: str

    @classmethod
    def from_json(cls, data: dict) -> "Period":
        return cls(id=int(_require(data, "id")), label=str(_require(data, "label")),
                   bill_date=_date(data.get("bill_date"), "bill_date"), due_date=_date(data.get("due_date"), "due_date"),
                   state=str(data.get("state") or ""))


@dataclass(frozen=True)
class OfficeStatus:
    office: str
    name: str
    open_period: Period | None
    last_closed_period: Period | None

    @classmethod
    def from_json(cls, data: dict) -> "OfficeStatus":
        op, lc = data.get("open_period"), data.get("last_closed_period")
        return cls(office=str(_require(data, "office")), name=str(data.get("name") or ""),
                   open_period=Period.from_json(op) if op else None,
                   last_closed_period=Period.from_json(lc) if lc else None)


def parse_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise CowsBadResponse(f"not a datetime: {value!r}") from None


def _dec(value: Any, name: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise CowsBadResponse(f"{name} is not a number: {value!r}") from None
    if not d.is_finite():
        raise CowsBadResponse(f"{name} is not finite")
    return d


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
    def from_json(cls, d: dict) -> "BillInfo":
        return cls(
            bill_id=str(_require(d, "bill_id")), period_id=int(_require(d, "period_id")),
            period_label=str(d.get("period_label") or ""), bill_date=_date(_require(d, "bill_date"), "bill_date"),
            due_date=_date(d.get("due_date"), "due_date"),
            previous_balance=_money(d.get("previous_balance", "0"), "previous_balance"),
            payments=_money(d.get("payments", "0"), "payments"), adjustments=_money(d.get("adjustments", "0"), "adjustments"),
            current_charges=_money(d.get("current_charges", "0"), "current_charges"),
            penalties=_money(d.get("penalties", "0"), "penalties"), total_due=_money(_require(d, "total_due"), "total_due"),
            pdf_available=bool(d.get("pdf_available")),
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
    def from_json(cls, d: dict) -> "TransactionLine":
        usage = d.get("usage")
        return cls(
            id=str(_require(d, "id")), date=_date(_require(d, "date"), "date"),
            period_id=int(d["period_id"]) if d.get("period_id") is not None else None,
            group_id=str(_require(d, "group_id")), service=str(d.get("service") or ""),
            description=str(d.get("description") or ""), amount=_money(_require(d, "amount"), "amount"),
            usage=None if usage in (None, "") else _dec(usage, "usage"), type=str(d.get("type") or ""),
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
    def from_json(cls, service: str, d: dict) -> "UsageReadInfo":
        return cls(service=service, period_id=int(_require(d, "period_id")), period_label=str(d.get("period_label") or ""),
                   read_date=_date(_require(d, "read_date"), "read_date"),
                   previous_read=_dec(_require(d, "previous_read"), "previous_read"),
                   current_read=_dec(_require(d, "current_read"), "current_read"),
                   usage=_dec(_require(d, "usage"), "usage"), meter_number=str(d.get("meter_number") or ""))


@dataclass(frozen=True)
class Receipt:
    confirmation_number: str
    reference: str
    amount: Decimal
    created: bool
    posted_at: datetime | None

    @classmethod
    def from_json(cls, d: dict) -> "Receipt":
        return cls(confirmation_number=str(_require(d, "confirmation_number")), reference=str(_require(d, "reference")),
                   amount=_money(_require(d, "amount"), "amount"), created=bool(d.get("created", False)),
                   posted_at=parse_datetime(d.get("posted_at")))


@dataclass(frozen=True)
class Distribution:
    code: str
    name: str
    allow_online_payments: bool
    allow_portal_payments: bool


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    interfaced: bool
    reference_label: str
    distributions: tuple[Distribution, ...]

    @classmethod
    def from_json(cls, d: dict) -> "Category":
        return cls(code=str(_require(d, "code")), name=str(_require(d, "name")), interfaced=bool(d.get("interfaced")),
                   reference_label=str(d.get("reference_label") or ""),
                   distributions=tuple(Distribution(code=str(x["code"]), name=str(x["name"]),
                                                    allow_online_payments=bool(x.get("allow_online_payments")),
                                                    allow_portal_payments=bool(x.get("allow_portal_payments")))
                                       for x in d.get("distributions") or []))

    @property
    def portal_distributions(self) -> tuple[Distribution, ...]:
        return tuple(x for x in self.distributions if x.allow_portal_payments)
