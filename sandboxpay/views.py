"""The sandbox's tokenization endpoint: the page's script sends the card or bank number here and
gets a token back; the portal's own forms only ever carry the token.

Nothing here logs or stores the number (request bodies are never logged by this project).
"""

from __future__ import annotations

import json
import secrets

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .cards import TEST_BANK_ACCOUNTS, TEST_CARDS, brand_of, digits, luhn_ok, routing_ok
from .models import SandboxToken


def _error(field: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"field": field, "message": message}}, status=400)


@csrf_exempt  # a provider endpoint: it takes no session and makes nothing but a token
@never_cache
@require_POST
def tokenize(request):
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return _error("", "The request was not understood.")
    kind = data.get("kind")
    if kind == "card":
        number = digits(str(data.get("number", "")))
        if not luhn_ok(number):
            return _error("number", "This card number is not valid. Check the digits.")
        try:
            month, year = int(data.get("exp_month")), int(data.get("exp_year"))
        except (TypeError, ValueError):
            return _error("exp", "Enter the expiry date as MM/YY.")
        if year < 100:
            year += 2000
        today = timezone.localdate()
        if not 1 <= month <= 12 or (year, month) < (today.year, today.month) or year > today.year + 20:
            return _error("exp", "This card has expired or the expiry date is not valid.")
        cvc = str(data.get("cvc", ""))
        if not cvc.isdigit() or len(cvc) not in (3, 4):
            return _error("cvc", "Enter the 3 or 4 digit security code.")
        brand, outcome = TEST_CARDS.get(number, (brand_of(number), "card_declined"))
        token = SandboxToken.objects.create(token="tok_" + secrets.token_hex(12), kind="card", brand=brand,
                                            last4=number[-4:], exp_month=month, exp_year=year, outcome=outcome)
    elif kind == "ach":
        routing = digits(str(data.get("routing", "")))
        account = digits(str(data.get("account", "")))
        if not routing_ok(routing):
            return _error("routing", "This routing number is not valid. It is the 9 digits at the bottom left of a check.")
        if not account.isdigit() or not 4 <= len(account) <= 17:
            return _error("account", "Enter the account number: 4 to 17 digits.")
        account_type = "Savings" if data.get("account_type") == "savings" else "Checking"
        outcome = TEST_BANK_ACCOUNTS.get(account, "succeeded")
        token = SandboxToken.objects.create(token="btok_" + secrets.token_hex(12), kind="ach", brand=account_type,
                                            last4=account[-4:], outcome=outcome)
    else:
        return _error("kind", "Choose card or bank account.")
    return JsonResponse({"token": token.token, "kind": token.kind, "brand": token.brand, "last4": token.last4,
                         "exp_month": token.exp_month, "exp_year": token.exp_year})
