"""The content security policy of every page: django-csp's middleware plus what each city's apps add.

The base policy is CONTENT_SECURITY_POLICY in settings. Apps add sources for one request through
`registry.add_csp_sources` (Stripe's, only for a city that pays through Stripe), so portal never
needs to know which provider a city uses.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts

from . import registry


class TenantCSPMiddleware(CSPMiddleware):
    """django-csp's header, with the sources the city's apps ask for on this request."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only or getattr(request, "tenant", None) is None:
            return parts
        extra: dict[str, list[str]] = {}
        for hook in registry.csp_sources:
            for directive, sources in hook(request).items():
                extra.setdefault(directive, []).extend(sources)
        if extra:
            update = dict(parts.update or {})
            for directive, sources in extra.items():
                update[directive] = list(dict.fromkeys([*update.get(directive, ()), *sources]))
            parts.update = update
        return parts
