"""Opening a communication's PDF."""

from datetime import date

from communications.models import Communication

from .conftest import PDF


def test_it_serves_the_pdf_inline_with_a_safe_name(riverton, post, client_for):
    communication = post(riverton, filename="2026 Water Rates.pdf")
    response = client_for(riverton.resident, riverton.tenant).get(f"/communications/{communication.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="2026-water-rates.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF


def test_quotes_paths_and_accents_never_reach_the_header(riverton, post, client_for):
    communication = post(riverton, filename='C:\\Users\\office\\Tarifas "2026" año.pdf')
    response = client_for(riverton.resident, riverton.tenant).get(f"/communications/{communication.pk}/pdf/")
    assert response["Content-Disposition"] == 'inline; filename="tarifas-2026-ano.pdf"'


def test_a_name_with_nothing_usable_falls_back_to_the_id(riverton, post, client_for):
    communication = post(riverton, filename="«».pdf")
    response = client_for(riverton.resident, riverton.tenant).get(f"/communications/{communication.pk}/pdf/")
    assert response["Content-Disposition"] == f'inline; filename="communication-{communication.pk}.pdf"'


def test_office_admins_can_open_it_too(riverton, post, client_for):
    communication = post(riverton)
    response = client_for(riverton.clerk, riverton.tenant).get(f"/communications/{communication.pk}/pdf/")
    assert response.status_code == 200


def test_it_404s_for_another_city_id(riverton, lakeside, post, client_for):
    communication = post(riverton)
    url = f"/communications/{communication.pk}/pdf/"
    for person in (lakeside.resident, lakeside.clerk):
        client = client_for(person, lakeside.tenant)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404


def test_it_404s_for_an_expired_one(riverton, post, client_for):
    communication = post(riverton, expires_on=date(2020, 1, 1))
    assert client_for(riverton.resident, riverton.tenant).get(
        f"/communications/{communication.pk}/pdf/").status_code == 404


def test_it_404s_for_a_missing_id(riverton, client_for):
    assert client_for(riverton.resident, riverton.tenant).get("/communications/999999/pdf/").status_code == 404


def test_it_404s_when_the_file_is_gone(riverton, post, client_for):
    communication = post(riverton)
    communication.file.storage.delete(communication.file.name)
    assert client_for(riverton.resident, riverton.tenant).get(
        f"/communications/{communication.pk}/pdf/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(riverton, post, anon_client):
    communication = post(riverton)
    response = anon_client(riverton.tenant).get(f"/communications/{communication.pk}/pdf/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_rejects_post_to_a_current_one(riverton, post, client_for):
    communication = post(riverton)
    response = client_for(riverton.resident, riverton.tenant).post(f"/communications/{communication.pk}/pdf/")
    assert response.status_code == 405
    assert Communication.objects.filter(pk=communication.pk).exists()
