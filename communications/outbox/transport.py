"""Handing one message to the mail system in two steps: everything but the last, then the last.

`prepare` does everything but the last step (SMTP: MAIL, RCPT, DATA and the content, without the
final "."; the .eml mailer: the file under a temporary name), and `finish` takes it (the "." and the
server's answer; the rename). Between the two the caller checks that its claim on the row still has
time, and `abort` drops an unfinished message: the server throws it away when the connection drops
(RFC 5321 §4.1.1.4), as it does when a worker is killed mid-message. delivery.py records the row as
sent after `finish`.

Other mail backends (the test suite's in-memory one, say) are called in one step at `finish`.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.utils import parseaddr
from pathlib import Path

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage

from portal.mail import EmlFileBackend


class Transport:
    def open(self) -> None: ...

    def prepare(self, message: EmailMessage) -> None: ...

    def finish(self) -> None: ...

    def abort(self) -> None: ...

    def close(self) -> None: ...


class SmtpTransport(Transport):
    """SMTP with Django's EMAIL_* settings, one connection for a batch."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        if self.smtp is not None:
            return
        timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 20
        if getattr(settings, "EMAIL_USE_SSL", False):
            self.smtp = smtplib.SMTP_SSL(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout,
                                         context=ssl.create_default_context())
        else:
            self.smtp = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout)
            if getattr(settings, "EMAIL_USE_TLS", False):
                self.smtp.starttls(context=ssl.create_default_context())
        # The final "." goes as a small write after the content: without TCP_NODELAY it waits for the
        # server's delayed acknowledgement (~40 ms) on every message (Nagle's algorithm).
        self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if getattr(settings, "EMAIL_HOST_USER", ""):
            self.smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)

    def prepare(self, message: EmailMessage) -> None:
        self.open()
        smtp = self.smtp
        sender = parseaddr(message.from_email)[1]
        raw = message.message().as_bytes(linesep="\r\n")
        smtp.ehlo_or_helo_if_needed()
        code, answer = smtp.mail(sender)
        if code != 250:
            smtp.rset()
            raise smtplib.SMTPSenderRefused(code, answer, sender)
        for recipient in message.recipients():
            code, answer = smtp.rcpt(recipient)
            if code not in (250, 251):
                smtp.rset()
                raise smtplib.SMTPRecipientsRefused({recipient: (code, answer)})
        smtp.putcmd("data")
        code, answer = smtp.getreply()
        if code != 354:
            smtp.rset()
            raise smtplib.SMTPDataError(code, answer)
        body = smtplib._quote_periods(raw)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        smtp.send(body)

    def finish(self) -> None:
        self.smtp.send(b".\r\n")
        code, answer = self.smtp.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, answer)

    def abort(self) -> None:
        """Drop the connection: the server discards the unfinished message."""
        if self.smtp is not None:
            try:
                self.smtp.sock.close()
            except Exception:
                pass
            self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:
                pass
            self.smtp = None


class FileTransport(Transport):
    """The embedded mailer: the .eml file is written aside, then renamed into place."""

    def __init__(self):
        self.directory = Path(settings.EMAIL_FILE_PATH)
        self.pending: tuple[Path, Path] | None = None

    def prepare(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp, final = EmlFileBackend.paths(self.directory)
        tmp.write_bytes(message.message().as_bytes(linesep="\n"))
        self.pending = (tmp, final)

    def finish(self) -> None:
        tmp, final = self.pending
        tmp.rename(final)
        self.pending = None

    def abort(self) -> None:
        if self.pending:
            self.pending[0].unlink(missing_ok=True)
            self.pending = None


class BackendTransport(Transport):
    """Any other Django mail backend, in one step."""

    def __init__(self):
        self.connection = get_connection()
        self.message: EmailMessage | None = None

    def prepare(self, message: EmailMessage) -> None:
        self.message = message

    def finish(self) -> None:
        message, self.message = self.message, None
        message.connection = self.connection
        message.send()


def transport() -> Transport:
    """The transport for the configured EMAIL_BACKEND."""
    backend = settings.EMAIL_BACKEND
    if backend == "django.core.mail.backends.smtp.EmailBackend":
        return SmtpTransport()
    if backend == "portal.mail.EmlFileBackend":
        return FileTransport()
    return BackendTransport()
