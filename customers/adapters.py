"""allauth adapters: signups and logins happen at a city, and make a membership there."""

from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth.signals import user_logged_in
from django.contrib.sites.shortcuts import get_current_site
from django.utils.html import strip_tags
from django.dispatch import receiver

from portal.middleware import SESSION_TENANT_KEY

from .services import ensure_membership, record_login


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return getattr(request, "tenant", None) is not None

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit and getattr(request, "tenant", None) is not None:
            ensure_membership(tenant=request.tenant, user=user)
        return user

    def send_mail(self, template_prefix, email, context):
        """allauth's emails (confirm your address, reset your password…) go through the city's outbox."""
        request = context.get("request") or getattr(self, "request", None)
        tenant = getattr(request, "tenant", None)
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context,
                   "tenant": tenant}
        if tenant is not None:
            context["city_name"] = tenant.name
        message = self.render_mail(template_prefix, email, context)
        if tenant is None:  # the bare domain's directory has no city and no accounts: nothing to queue it under
            message.send()
            return
        from communications.outbox import queue_email

        text, html = message.body, ""
        if message.content_subtype == "html":
            text, html = "", message.body
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        queue_email(tenant=tenant, kind="account_" + template_prefix.rsplit("/", 1)[-1], to=message.to,
                    subject=message.subject, text=text or strip_tags(html), html=html)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Someone who signed in (or confirmed) within the re-authentication timeout is not asked again."""
        request = getattr(self, "request", None)
        if request is not None and signed_in_recently(request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def format_email_subject(self, subject) -> str:
        tenant = getattr(getattr(self, "request", None), "tenant", None)
        prefix = f"[{tenant.name}] " if tenant is not None else ""
        return prefix + str(subject)


def signed_in_recently(request) -> bool:
    """The session's newest sign-in step (password, code, Google…) is within the re-authentication timeout."""
    if not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    return bool(records) and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return getattr(request, "tenant", None) is not None


@receiver(user_logged_in)
def bind_session_to_tenant(sender, request, user, **kwargs):
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return
    request.session[SESSION_TENANT_KEY] = tenant.id
    record_login(tenant=tenant, user=user)
