"""SMS providers behind one interface: `send_text(to, body) -> the provider's id for the message`.

settings.SMS_BACKEND names the class; a real provider is one class and one setting. The embedded
default writes each text as a file under SMS_FILE_PATH (like mail's .eml files); production refuses it.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class TextSendError(Exception):
    """The provider refused or could not take the text; the message says why."""


class TextBackend:
    """What every SMS provider offers the portal."""

    def send_text(self, to: str, body: str) -> str:
        raise NotImplementedError


class FileTextBackend(TextBackend):
    """One JSON file per text in SMS_FILE_PATH (written whole, then renamed: readers never see half)."""

    def __init__(self, directory: str | None = None):
        self.directory = Path(directory or settings.SMS_FILE_PATH)

    def send_text(self, to: str, body: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        provider_id = uuid.uuid4().hex
        name = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{provider_id[:8]}.json"
        part = self.directory / (name + ".part")
        part.write_text(json.dumps({"id": provider_id, "to": to, "body": body,
                                    "at": timezone.now().isoformat()}, ensure_ascii=False))
        part.rename(self.directory / name)
        return provider_id


def texts_enabled() -> bool:
    """Whether this deployment can send texts at all (an SMS provider is set)."""
    return bool(settings.SMS_BACKEND)


def get_backend() -> TextBackend:
    """The configured provider; TextSendError when none is."""
    if not settings.SMS_BACKEND:
        raise TextSendError("No SMS provider is configured (SMS_BACKEND is empty).")
    return import_string(settings.SMS_BACKEND)()
