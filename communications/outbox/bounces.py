"""Bounces: the mail provider reports that a sent email did not reach its address; the Email log shows it.

Providers (Amazon SES, Postmark, Mailgun, a Postfix pipe…) report bounces in their own shapes; each is
turned into POST /email/bounces/ on the bare domain with a JSON body

    {"bounces": [{"message_id": "<…@…>", "reason": "550 5.1.1 mailbox unknown"}, …]}

and the header `Authorization: Bearer <EMAIL_BOUNCE_TOKEN>`. Without the setting, the address answers 404.
The Message-ID names its city (<hex>.<city>@domain), so one address serves every city.
"""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import OutboundEmail

logger = logging.getLogger(__name__)
REASON_LIMIT = 500


def _city_of(message_id: str) -> str:
    local = message_id.strip().strip("<>").split("@", 1)[0]
    return local.split(".", 1)[1] if "." in local else ""


def record_bounce(*, message_id: str, reason: str) -> bool:
    """Mark the email with this Message-ID as bounced, with the provider's reason; False when none matches."""
    slug = _city_of(message_id)
    if not slug:
        return False
    reason = " ".join(str(reason).split())[:REASON_LIMIT] or "bounced"
    updated = OutboundEmail.objects.filter(tenant__slug=slug, message_id=message_id.strip()).exclude(
        state=OutboundEmail.State.SUPPRESSED).update(state=OutboundEmail.State.BOUNCED, last_error=f"Bounced: {reason}")
    if updated:
        logger.info("email bounced", extra={"message_id": message_id})
    return bool(updated)


@csrf_exempt  # a provider's server posts here; the bearer token is the authority
@require_POST
def bounce_webhook(request):
    """The provider's bounce reports; answers how many emails were marked bounced."""
    token = getattr(settings, "EMAIL_BOUNCE_TOKEN", "")
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return JsonResponse({"error": "wrong token"}, status=403)
    try:
        reports = json.loads(request.body)["bounces"]
        pairs = [(str(r["message_id"]), str(r.get("reason", ""))) for r in reports]
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest('Expected {"bounces": [{"message_id": "...", "reason": "..."}]}.')
    marked = sum(record_bounce(message_id=m, reason=r) for m, r in pairs)
    return JsonResponse({"marked": marked, "unknown": len(pairs) - marked})
