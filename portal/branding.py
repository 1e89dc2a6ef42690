"""The office's images (logo, main-page photo): checked by what they contain, then re-encoded.

An upload is never trusted by its name or its content type: Pillow must recognise it as PNG, JPEG
or WebP. Its size and pixel count are limited before it is decoded (a small file can unpack to
gigabytes), and what is stored is a fresh encoding of the pixels alone, resized, under a random
name: whatever else the file carried (metadata, trailing bytes, a script) is left behind.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")


@dataclass(frozen=True)
class Kind:
    """What one kind of image becomes: its folder, its largest size and how it is stored."""

    key: str
    folder: str
    max_width: int
    max_height: int
    format: str  # PNG keeps a logo's transparency; a photo is smaller as JPEG


LOGO = Kind("logo", "logos", 400, 120, "PNG")
PHOTO = Kind("photo", "photos", 1600, 1600, "JPEG")
KINDS = {LOGO.key: LOGO, PHOTO.key: PHOTO}


class ImageRefused(Exception):
    """The upload is not an image the portal will show; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded image, ready to store: its bytes, its file extension and its size in pixels."""

    content: bytes
    extension: str
    width: int
    height: int

    def as_file(self) -> ContentFile:
        """The image as a file with a random name (the field's upload_to adds the folder)."""
        return ContentFile(self.content, name=f"{secrets.token_urlsafe(16)}.{self.extension}")


def _open(upload) -> Image.Image:
    if upload.size is None or upload.size > MAX_BYTES:
        raise ImageRefused(_("This file is %(size)s MB; an image can be at most %(limit)s MB.") % {
            "size": f"{(upload.size or 0) / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024})
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageRefused(_("This file is over %(limit)s MB; an image can be at most %(limit)s MB.") % {
            "limit": MAX_BYTES // 1024 // 1024})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError:
        raise ImageRefused(_("This file is not a PNG, JPEG or WebP image. Save the picture in one of those "
                             "formats and upload it again.")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _unreadable() from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise _too_many_pixels(width, height)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()  # reads every pixel: a truncated or corrupt file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(width, height) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError):
        raise _unreadable() from None
    return image


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ImageRefused:
    if width and height:
        return ImageRefused(_("This image is %(width)s × %(height)s pixels; an image can have at most "
                              "%(limit)s million pixels. Make it smaller and upload it again.") % {
            "width": width, "height": height, "limit": MAX_PIXELS // 1_000_000})
    return ImageRefused(_("This image has too many pixels; an image can have at most %(limit)s million pixels.")
                        % {"limit": MAX_PIXELS // 1_000_000})


def _unreadable() -> ImageRefused:
    return ImageRefused(_("This image is damaged or incomplete and cannot be read. Open it on your computer, "
                          "save it again, and upload it again."))


def clean_image(upload, *, kind: Kind) -> CleanImage:
    """The upload checked by its content, turned upright, resized to fit `kind` and re-encoded without metadata."""
    image = _open(upload)
    try:
        return _encode(image, kind)
    except (OSError, SyntaxError, ValueError, MemoryError):  # e.g. a pixel format that cannot become RGB
        raise _unreadable() from None


def _encode(image: Image.Image, kind: Kind) -> CleanImage:
    try:
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError):
        pass  # an unreadable orientation tag: keep the pixels as they are
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if kind.format == "PNG":
        image = image.convert("RGBA" if has_alpha else "RGB")
    else:
        image = _flatten(image) if has_alpha else image.convert("RGB")
    image.thumbnail((kind.max_width, kind.max_height), Image.Resampling.LANCZOS)
    # Only the pixels go on: a fresh image carries no metadata (EXIF, comments, ICC, text chunks).
    image = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if kind.format == "PNG":
        image.save(out, format="PNG", optimize=True)
        extension = "png"
    else:
        image.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        extension = "jpg"
    return CleanImage(out.getvalue(), extension, image.width, image.height)


def _flatten(image: Image.Image) -> Image.Image:
    """A transparent image on white, for a format without transparency."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
