"""The tenant of the work in hand (a request or a task), for log lines. No model imports here."""

import contextvars

current_tenant_slug: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_tenant_slug", default=None)
