"""Secrets at rest: a model field whose column holds only a Fernet token, never the value.

Built on django-fernet-encrypted-fields (its field mechanics), keyed by FIELD_ENCRYPTION_KEY
(settings), not by SECRET_KEY: rotating the session key must not make the saved secrets
unreadable. Rotation: put a new key first in FIELD_ENCRYPTION_KEY and keep the old ones after
it; new writes use the first, reads try each; `manage.py rotate_field_encryption` (or any
save) re-encrypts with the newest, after which old keys can be dropped.

A serialized dump (dumpdata) carries the token, not the value; loaddata decrypts it on the way in.
A token no listed key can open stops with an error naming FIELD_ENCRYPTION_KEY instead of
handing the token on as if it were the secret. A plain (not yet encrypted) value is read as it
is, which is how the data migrations encrypt existing rows.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from encrypted_fields.fields import EncryptedCharField

TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte 0x80, then the timestamp)


def fernet() -> MultiFernet:
    """The keys of FIELD_ENCRYPTION_KEY, newest first: the first encrypts, every one decrypts."""
    return MultiFernet([Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS])


class SecretField(EncryptedCharField):
    """A short secret (an API key, a signing secret), encrypted in its column; blank stays blank."""

    @property
    def f(self) -> MultiFernet:
        return fernet()  # read each time: a changed FIELD_ENCRYPTION_KEY (tests, rotation) applies at once

    def get_prep_value(self, value):
        if value is None or value == "":
            return value
        return super().get_prep_value(value)

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(TOKEN_PREFIX) and not hasattr(self, "_already_decrypted"):
            try:
                return self.f.decrypt(value.encode()).decode()
            except InvalidToken:
                raise ImproperlyConfigured(
                    f"{self.model.__name__}.{self.name} was encrypted with a key that is not in "
                    "FIELD_ENCRYPTION_KEY: add the old key after the new one.") from None
        return super().to_python(value)

    def value_to_string(self, obj) -> str:
        """What a dump writes: the token, never the secret."""
        value = self.value_from_object(obj)
        return self.get_prep_value(value) or ""
