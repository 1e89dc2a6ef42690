"""Cached bill PDFs and communications live in private storage: never public media, only behind access checks."""

from pathlib import Path

import pytest
from django.conf import settings

from billing.accounts.models import Bill
from portal.storage import private_storage

from ..communications.conftest import PDF, post  # noqa: F401  (post is a fixture)


def files_under(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


@pytest.fixture
def rosa_bill(account, riverton, client_for):
    key = account
    rosa = client_for(riverton.resident, riverton.tenant)
    rosa.get(f"/utility/accounts/{key}/history/")
    bill = Bill.objects.filter(tenant=riverton.tenant, account_key=key).order_by("-bill_date").first()
    return rosa, f"/utility/accounts/{key}/bills/{bill.bill_id}.pdf"


def test_a_cached_bill_pdf_is_kept_privately_and_served_only_through_the_checked_view(cows, rosa_bill):
    rosa, url = rosa_bill
    first = rosa.get(url)
    assert first.status_code == 200 and first.content.startswith(b"%PDF-")
    cached = files_under(settings.PRIVATE_FILES_ROOT)
    assert len(cached) == 1 and cached[0].read_bytes() == first.content
    assert files_under(settings.MEDIA_ROOT) == []
    name = cached[0].relative_to(settings.PRIVATE_FILES_ROOT).as_posix()
    assert rosa.get(settings.MEDIA_URL + name).status_code == 404

    cows.set_fault(operation="*", mode="error", status=503)  # the office is away: the private copy serves
    again = rosa.get(url)
    assert again.status_code == 200 and again.content == first.content


def test_other_customers_and_other_cities_get_404_for_a_cached_bill(
        cows, riverton, lakeside, larry, rosa_bill, client_for):
    rosa, url = rosa_bill
    assert rosa.get(url).status_code == 200
    assert client_for(larry, riverton.tenant).get(url).status_code == 404
    assert client_for(lakeside.resident, lakeside.tenant).get(url).status_code == 404


def test_an_uploaded_communication_is_private_and_served_only_to_its_city(riverton, lakeside, post, client_for):
    communication = post(riverton)
    stored = Path(settings.PRIVATE_FILES_ROOT) / communication.file.name
    assert stored.read_bytes() == PDF
    assert files_under(settings.MEDIA_ROOT) == []
    rosa = client_for(riverton.resident, riverton.tenant)
    assert rosa.get(settings.MEDIA_URL + communication.file.name).status_code == 404
    response = rosa.get(f"/communications/{communication.pk}/pdf/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client_for(lakeside.resident, lakeside.tenant).get(
        f"/communications/{communication.pk}/pdf/").status_code == 404


def test_private_files_have_no_public_address(riverton, post):
    communication = post(riverton)
    with pytest.raises(ValueError, match="no public address"):
        communication.file.url
    with pytest.raises(ValueError):
        private_storage().url("billpdfs/1/x.pdf")


def test_the_proxy_serves_public_media_but_never_the_private_folder():
    root = Path(__file__).resolve().parents[2]
    compose, conf = (root / "docker-compose.yml").read_text(), (root / "deploy" / "nginx.conf").read_text()
    assert "location /media/" in conf and "alias /srv/media/;" in conf
    assert "media:/srv/media:ro" in compose
    assert "private:/app/var/private" in compose and "/srv/private" not in compose + conf
