import logging
import os

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from .models import Communication
from .selectors import current_communications

logger = logging.getLogger(__name__)


@login_required
@require_safe
def communication_list(request):
    """Communications: the office's current PDFs, newest first."""
    communications = current_communications(tenant=request.tenant)
    return render(request, "communications/list.html", {"communications": communications})


@login_required
def communication_pdf(request, communication_id: int):
    """One current communication's PDF, shown inline in the browser's viewer."""
    # Looked up before the method check: missing, expired and another city's answer 404 alike.
    communication = current_communications(tenant=request.tenant).filter(pk=communication_id).first()
    if communication is None:
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        handle = communication.file.open("rb")
    except FileNotFoundError:
        logger.error("communication file missing", extra={"communication_id": communication.id})
        raise Http404 from None
    response = FileResponse(handle, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{download_name(communication)}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True)
    return response


def download_name(communication: Communication) -> str:
    """An ASCII file name safe inside a quoted header value."""
    stem = os.path.splitext(communication.original_filename)[0]
    return f"{slugify(stem)[:80] or f'communication-{communication.pk}'}.pdf"
