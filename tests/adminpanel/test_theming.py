"""Admin - Portal Settings - Theming: the colour, the main-page photo and the logo."""

import html
import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from adminpanel.models import AuditEntry
from portal.models import PortalSettings

from .audit_helpers import audit_rows

THEME = "/office/settings/theme/"
RESET = "/office/settings/theme/standard-blue/"
PHOTO, PHOTO_REMOVE = "/office/settings/theme/photo/", "/office/settings/theme/photo/remove/"
LOGO, LOGO_REMOVE = "/office/settings/theme/logo/", "/office/settings/theme/logo/remove/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def image_bytes(size=(800, 600), fmt="PNG", mode="RGB", **save) -> bytes:
    image = Image.new(mode, size)
    for x in range(0, size[0], max(1, size[0] // 50)):  # a few stripes, so it is not one flat colour
        image.paste((x % 256, 90, 160) if mode == "RGB" else (x % 256, 90, 160, 200), (x, 0, x + 3, size[1]))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def upload(content: bytes, name="picture.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_bomb(width=20000, height=20000) -> bytes:
    """A small PNG whose header promises width × height one-bit pixels (50 MB of zeros, deflated)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" * (1 + (width + 7) // 8)
    deflate = zlib.compressobj(9)
    data = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def last_theme_row(city) -> tuple:
    """The newest "settings.theme" row of the city: (who, target, changes)."""
    entry = AuditEntry.objects.filter(tenant=city.tenant, action="settings.theme").order_by("-id").first()
    return entry.actor, entry.target, entry.changes


def current(city) -> PortalSettings:
    return PortalSettings.objects.get(tenant=city.tenant)


def as_dict(s: PortalSettings) -> dict:
    return {f.name: str(getattr(s, f.name)) for f in PortalSettings._meta.concrete_fields}


@pytest.fixture
def clerk(riverton, client_for):
    return client_for(riverton.clerk, riverton.tenant)


# --- the colour ------------------------------------------------------------------------------------

def test_the_page_shows_the_colour_field_a_picker_and_a_preview_without_inline_script(riverton, clerk):
    body = clerk.get(THEME).content.decode()
    assert 'name="theme_colour" value="#1d4ed8"' in body and '<input type="color" id="colour-picker"' in body
    assert "data-theme-preview" in body and "The portal uses the standard blue." in body
    scripts = re.findall(r"<script\b[^>]*>", body)
    assert any("js/theme_preview.js" in tag for tag in scripts)
    assert all(" src=" in tag and "nonce=" in tag for tag in scripts)  # no inline script


def test_a_dark_colour_is_saved_audited_and_painted_on_every_page(riverton, clerk, anon_client):
    response = clerk.post(THEME, {"theme_colour": "#14532D"}, follow=True)
    assert "The colour was saved: the portal now uses #14532d." in text(response)
    assert current(riverton).theme_colour == "#14532d"
    assert ":root { --brand: #14532d; }" in anon_client(riverton.tenant).get("/").content.decode()
    [(actor, _target, changes)] = audit_rows(riverton, "settings.theme")
    assert actor == riverton.clerk and changes == {"theme_colour": ["#1d4ed8", "#14532d"]}


@pytest.mark.parametrize("colour, message", [
    ("blue", "Enter a colour as # and six hexadecimal digits, such as #1d4ed8."),
    ("#fff", "Enter a colour as # and six hexadecimal digits, such as #1d4ed8."),
    ("", "Enter a colour as # and six hexadecimal digits, such as #1d4ed8."),
    ("#1d4ed8; background: url(x)", "Enter a colour as # and six hexadecimal digits, such as #1d4ed8."),
    ("#ffff00", "White text on #ffff00 has a contrast of 1.07:1; it needs at least 4.5:1 to be readable (WCAG AA)."),
    ("#777777", "White text on #777777 has a contrast of 4.47:1; it needs at least 4.5:1"),
])
def test_an_unreadable_or_too_light_colour_is_refused_with_the_reason(riverton, clerk, colour, message):
    before = as_dict(current(riverton))
    response = clerk.post(THEME, {"theme_colour": colour})
    assert response.status_code == 400
    body = text(response)
    assert message in body and 'id="id_theme_colour_error"' in body and "The colour was not saved." in body
    assert as_dict(current(riverton)) == before and not AuditEntry.objects.exists()


def test_back_to_the_standard_blue_in_one_click(riverton, clerk, anon_client):
    clerk.post(THEME, {"theme_colour": "#7c2d12"})
    assert 'action="/office/settings/theme/standard-blue/"' in clerk.get(THEME).content.decode()
    response = clerk.post(RESET, follow=True)
    assert "The portal is back to the standard blue." in text(response)
    assert current(riverton).theme_colour == "#1d4ed8"
    assert "--brand: #1d4ed8;" in anon_client(riverton.tenant).get("/").content.decode()
    assert last_theme_row(riverton)[2] == {"theme_colour": ["#7c2d12", "#1d4ed8"]}
    assert clerk.get(RESET).status_code == 405


def test_a_colour_stored_badly_never_reaches_the_style_element(riverton, anon_client):
    # Seven characters, as the column holds on PostgreSQL: enough to close the rule and start another.
    PortalSettings.objects.filter(tenant=riverton.tenant).update(theme_colour="red;}*{")
    body = anon_client(riverton.tenant).get("/").content.decode()
    assert ":root { --brand: #1d4ed8; }" in body and "red;}" not in body


# --- images ----------------------------------------------------------------------------------------

def test_a_photo_is_re_encoded_resized_stored_under_a_random_name_and_shown_on_the_landing_page(
        riverton, clerk, anon_client, settings):
    exif = Image.Exif()
    exif[0x010E] = "secret camera notes"  # ImageDescription
    content = image_bytes((3200, 1800), "JPEG", exif=exif.tobytes(), comment=b"hidden comment")
    response = clerk.post(PHOTO, {"photo-image": upload(content, "../../etc/passwd.jpg", "text/html"),
                                  "photo-alt_text": "  The river walk\nin autumn "}, follow=True)
    assert "The main-page photo was saved." in text(response)
    saved = current(riverton)
    assert re.fullmatch(r"photos/[A-Za-z0-9_-]{22}\.jpg", saved.photo.name)
    assert saved.photo_alt_text == "The river walk in autumn"
    [stored] = media_files(settings)
    with Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (1600, 900)
        assert not image.getexif() and "comment" not in image.info and "exif" not in image.info
    assert b"secret camera notes" not in stored.read_bytes() and b"hidden comment" not in stored.read_bytes()

    landing = anon_client(riverton.tenant).get("/").content.decode()
    assert f'<img class="main-photo" src="/media/{saved.photo.name}" alt="The river walk in autumn">' in landing
    served = anon_client(riverton.tenant).get(f"/media/{saved.photo.name}")  # off production, Django serves it
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    [(actor, target, changes)] = audit_rows(riverton, "settings.theme")
    assert actor == riverton.clerk and target == "main-page photo"
    assert changes == {"photo": ["", saved.photo.name], "photo_alt_text": ["", "The river walk in autumn"]}


def test_a_logo_keeps_its_transparency_fits_the_header_and_has_its_alt_text(riverton, clerk, client_for, settings):
    content = image_bytes((2000, 1000), "WEBP", mode="RGBA")
    clerk.post(LOGO, {"logo-image": upload(content, "seal.webp", "image/webp"), "logo-alt_text": "Riverton seal"})
    saved = current(riverton)
    assert re.fullmatch(r"logos/[A-Za-z0-9_-]{22}\.png", saved.logo.name)
    with Image.open(media_files(settings)[0]) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.size == (240, 120)
    body = client_for(riverton.resident, riverton.tenant).get("/").content.decode()
    assert f'<img class="logo" src="/media/{saved.logo.name}" alt="Riverton seal">' in body
    preview = clerk.get("/office/settings/theme/").content.decode()
    assert f'<div class="theme-preview-header"><img class="logo" src="/media/{saved.logo.name}" alt="">' in preview


def test_replacing_a_photo_deletes_the_old_file_and_changing_only_the_alt_text_keeps_it(
        riverton, clerk, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        clerk.post(PHOTO, {"photo-image": upload(image_bytes()), "photo-alt_text": "First"})
    first = current(riverton).photo.name
    with django_capture_on_commit_callbacks(execute=True):
        clerk.post(PHOTO, {"photo-image": upload(image_bytes((640, 480))), "photo-alt_text": "Second"})
    second = current(riverton).photo.name
    assert second != first
    assert [p.relative_to(settings.MEDIA_ROOT).as_posix() for p in media_files(settings)] == [second]
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(PHOTO, {"photo-alt_text": "Third words"})
    assert response.status_code == 302 and current(riverton).photo.name == second
    assert current(riverton).photo_alt_text == "Third words"
    assert last_theme_row(riverton)[2] == {"photo_alt_text": ["Second", "Third words"]}


@pytest.mark.parametrize("url, remove, kind, label", [(PHOTO, PHOTO_REMOVE, "photo", "main-page photo"),
                                                       (LOGO, LOGO_REMOVE, "logo", "logo")])
def test_removing_an_image_asks_first_then_takes_it_off_and_deletes_the_file(
        riverton, clerk, settings, django_capture_on_commit_callbacks, url, remove, kind, label):
    clerk.post(url, {f"{kind}-image": upload(image_bytes()), f"{kind}-alt_text": "Something"})
    name = getattr(current(riverton), kind).name
    assert f'href="{remove}"' in clerk.get(THEME).content.decode()  # the page's Remove button only leads to asking
    asking = text(clerk.get(remove))
    assert f"Remove the {label}" in asking and 'alt="Something"' in asking and "This cannot be undone" in asking
    assert f'<button type="submit" class="button button-danger">Remove {kind}</button>' in asking
    assert f'<a href="{THEME}">Keep the {kind}</a>' in asking
    # asking changes nothing: the image, its file and the audit log (only the upload's row) are as they were
    assert getattr(current(riverton), kind).name == name and media_files(settings) != []
    assert len(audit_rows(riverton, "settings.theme")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(remove, follow=True)
    assert f"The {label} was removed." in text(response)
    assert not getattr(current(riverton), kind) and getattr(current(riverton), f"{kind}_alt_text") == ""
    assert media_files(settings) == []
    assert last_theme_row(riverton) == (riverton.clerk, label, {kind: [name, ""],
                                                                                 f"{kind}_alt_text": ["Something", ""]})


BAD_UPLOADS = {
    "an HTML file named .png": (lambda: b"<!doctype html><script>alert(1)</script>", "photo.png",
                                "This file is not a PNG, JPEG or WebP image."),
    "a truncated PNG": (lambda: image_bytes((1200, 900))[:4000], "photo.png",
                        "This image is damaged or incomplete and cannot be read."),
    "a 30 MB file": (lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * (30 * 1024 * 1024), "big.png",
                     "This file is 30.0 MB; an image can be at most 5 MB."),
    "a 20000 x 20000 PNG bomb": (png_bomb, "bomb.png", "an image can have at most 40 million pixels"),
    "a GIF": (lambda: image_bytes((100, 100), "GIF"), "anim.gif", "This file is not a PNG, JPEG or WebP image."),
    "an SVG": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg",
               "This file is not a PNG, JPEG or WebP image."),
    "an empty file": (lambda: b"", "empty.png", "The submitted file is empty."),
}


@pytest.mark.parametrize("kind, url", [("photo", PHOTO), ("logo", LOGO)])
@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_a_bad_image_is_refused_with_a_clear_message_and_nothing_is_stored(riverton, clerk, settings, kind, url, case):
    make, name, message = BAD_UPLOADS[case]
    before = as_dict(current(riverton))
    response = clerk.post(url, {f"{kind}-image": upload(make(), name), f"{kind}-alt_text": "A picture"})
    assert response.status_code == 400
    body = text(response)
    assert message in body and f'id="id_{kind}-image_error"' in body and "Nothing was saved." in body
    assert as_dict(current(riverton)) == before and media_files(settings) == []
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("kind, url", [("photo", PHOTO), ("logo", LOGO)])
@pytest.mark.parametrize("alt, message", [
    ("", "Describe the image for people who cannot see it (alt text)."),
    ("   ", "Describe the image for people who cannot see it (alt text)."),
    ("<img src=x onerror=alert(1)>", "Alt text is plain text: describe the image in words, without HTML."),
    ("a" * 201, "Alt text can be at most 200 characters; it has 201."),
])
def test_an_image_without_proper_alt_text_is_refused_and_nothing_is_stored(
        riverton, clerk, settings, kind, url, alt, message):
    response = clerk.post(url, {f"{kind}-image": upload(image_bytes()), f"{kind}-alt_text": alt})
    assert response.status_code == 400
    body = text(response)
    assert message in body and f'id="id_{kind}-alt_text_error"' in body
    assert not getattr(current(riverton), kind) and media_files(settings) == []


def test_saving_with_no_image_at_all_asks_for_one(riverton, clerk, settings):
    response = clerk.post(PHOTO, {"photo-alt_text": "A photo"})
    assert response.status_code == 400 and "Choose an image to upload." in text(response)
    assert not current(riverton).photo and media_files(settings) == []


# --- who may ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, url", [("get", THEME), ("post", THEME), ("post", RESET), ("post", PHOTO),
                                         ("get", PHOTO_REMOVE), ("post", PHOTO_REMOVE), ("post", LOGO),
                                         ("get", LOGO_REMOVE), ("post", LOGO_REMOVE)])
def test_residents_and_another_citys_clerk_get_404_and_change_nothing(
        riverton, lakeside, larry, client_for, settings, method, url):
    data = {"theme_colour": "#14532d", "photo-image": upload(image_bytes()), "photo-alt_text": "x",
            "logo-image": upload(image_bytes()), "logo-alt_text": "x"} if method == "post" else None
    before = as_dict(current(riverton))
    for person in (riverton.resident, larry, lakeside.clerk):
        client = client_for(person, riverton.tenant)
        assert getattr(client, method)(url, data).status_code == 404
    assert as_dict(current(riverton)) == before and media_files(settings) == []


def test_the_actions_refuse_get(riverton, clerk):
    for url in (RESET, PHOTO, LOGO):
        assert clerk.get(url).status_code == 405


def test_asking_to_remove_an_image_there_is_not_goes_back_to_theming(riverton, clerk):
    for url in (PHOTO_REMOVE, LOGO_REMOVE):
        response = clerk.get(url)
        assert response.status_code == 302 and response["Location"] == THEME
    assert not AuditEntry.objects.exists()


def test_the_demo_city_gets_a_main_page_photo_and_contact_details(db, settings, anon_client):
    from django.core.management import call_command

    from portal.models import Tenant

    call_command("seed_demo")
    call_command("seed_demo")  # twice: still one photo
    demo = Tenant.objects.get(slug="demo")
    saved = PortalSettings.objects.get(tenant=demo)
    assert saved.photo.name.startswith("photos/") and "hills" in saved.photo_alt_text
    assert len(media_files(settings)) == 1
    body = anon_client(demo).get("/").content.decode()
    assert f'src="/media/{saved.photo.name}"' in body and "Questions? Call the utility office" in body
    assert 'href="mailto:utility@demo.example"' in body and "100 Main Street<br>Demo</" in body  # no simulator
