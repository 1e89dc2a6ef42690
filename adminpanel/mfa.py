"""The second step at sign-in (allauth.mfa), as the portal runs it.

Office admins must have an authenticator app before any office screen opens
(portal.access.office_admin_required). Their TOTP secret and recovery-code seed are kept encrypted
with FIELD_ENCRYPTION_KEY, like every other secret at rest; an office admin cannot turn the app off
(another admin removes them from the office first); the app shows the city's name.
"""

from __future__ import annotations

from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from customers.models import Membership
from portal.encryption import TOKEN_PREFIX, fernet


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Office admins cannot turn off the authenticator app: the office screens need it. "
            "Ask another office admin to remove you from the office staff first."),
    }

    def get_totp_issuer(self) -> str:
        """The name the authenticator app shows next to the code: the city's."""
        tenant = getattr(context.request, "tenant", None)
        return f"{tenant.name} (Community Connect)" if tenant is not None else "Community Connect"

    def encrypt(self, text: str) -> str:
        return fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(TOKEN_PREFIX):
            return encrypted_text  # written before encryption was on
        try:
            return fernet().decrypt(encrypted_text.encode()).decode()
        except InvalidToken:
            raise ImproperlyConfigured("An authenticator's secret was encrypted with a key that is not in "
                                       "FIELD_ENCRYPTION_KEY: add the old key after the new one.") from None

    def can_delete_authenticator(self, authenticator) -> bool:
        return not Membership.objects.filter(user_id=authenticator.user_id,
                                             role=Membership.Role.OFFICE_ADMIN).exists()
