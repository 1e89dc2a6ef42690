"""The embedded mail backend: each message written as a standard .eml file under var/mail/."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    _lock = threading.Lock()

    def __init__(self, file_path: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    @staticmethod
    def paths(directory: Path) -> tuple[Path, Path]:
        """A new message's temporary and final file names (readers skip *.part)."""
        name = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.eml"
        return directory / (name + ".part"), directory / name

    def send_messages(self, email_messages) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            tmp, final = self.paths(self.directory)
            tmp.write_bytes(message.message().as_bytes(linesep="\n"))
            tmp.rename(final)  # readers never see half a message
            sent += 1
        return sent
