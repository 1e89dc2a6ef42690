"""Private files (cached bill PDFs, communications): never public media, served only by views that check access.

STORAGES["private"] is a folder outside MEDIA_ROOT (PRIVATE_FILES_ROOT, default VAR_DIR/private)
or, with PRIVATE_FILES_BUCKET, a private S3 bucket through django-storages. Neither has a public
address: `url()` refuses, so no template can link around the access checks.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder of private files: PRIVATE_FILES_ROOT unless told otherwise; no URLs."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_FILES_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public address: serve them through a view that checks access.")


def private_storage():
    """The private storage (a callable, so models and migrations name it without binding the instance)."""
    return storages["private"]
