"""The outbox: every email the portal sends is a row here first, committed with the change that caused it.

    from communications.outbox import queue_templated, queue_messages, Outgoing, attach_file

A worker delivers the rows (delivery.py) over SMTP or the embedded .eml mailer, retries SMTP errors with
back-off and never sends a row twice; the office reads them as the Email log. See docs/email.md.
"""

from __future__ import annotations

_PUBLIC = {"queue_templated": "queueing", "queue_messages": "queueing", "queue_email": "queueing",
           "Outgoing": "queueing", "attach_file": "queueing"}


def __getattr__(name: str):
    # Lazy, so that INSTALLED_APPS can import this package before the models are ready.
    if name in _PUBLIC:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    raise AttributeError(name)
