"""Django loads an app's models from here: the account copy and paying live in their halves."""

from .accounts.models import (  # noqa: F401
    AccountSnapshot, Bill, HistoryEntry, HistoryLine, HistorySync, LandlordSnapshot, PeriodState, UsageRead,
)
from .payments.models import (  # noqa: F401
    CartItem, Payment, PaymentEvent, PaymentItem, PaymentMethod, PaymentSettings, ProviderEvent,
)
