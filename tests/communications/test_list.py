"""The customer's Communications page."""

from datetime import UTC, date, datetime, timedelta

import pytest

from communications.selectors import city_today

# Tenant, session, user, membership (nav), the communications: the same for 1 or 30 of them.
MAX_QUERIES = 5


def test_it_lists_the_current_communications_of_this_city_newest_first(riverton, lakeside, post, client_for):
    today = city_today(tenant=riverton.tenant)
    post(riverton, "2026 Water and Sewer Rates", posted_at=datetime(2026, 1, 5, 17, tzinfo=UTC))
    post(riverton, "Fall 2026 Newsletter", posted_at=datetime(2026, 9, 1, 17, tzinfo=UTC))
    post(riverton, "Summer watering rules", expires_on=today)
    post(lakeside, "Lakeside boat ramp permits")

    response = client_for(riverton.resident, riverton.tenant).get("/communications/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1" in body and "Communications" in body
    assert body.index("Fall 2026 Newsletter") < body.index("2026 Water and Sewer Rates")
    assert "Summer watering rules" not in body
    assert "Lakeside boat ramp permits" not in body


def test_each_row_links_to_its_pdf_and_says_it_can_be_printed(riverton, post, client_for):
    communication = post(riverton, "2026 Water and Sewer Rates")
    body = client_for(riverton.resident, riverton.tenant).get("/communications/").content.decode()
    assert f'href="/communications/{communication.pk}/pdf/"' in body
    assert ">View<" in body
    assert "print" in body
    assert 'tabindex="0" role="region" aria-labelledby="communications-title"' in body


def test_the_posted_date_is_the_date_in_the_city_time_zone(riverton, post, client_for):
    # 05:30 UTC on Nov 27 is still the evening of Nov 26 in Riverton (America/Denver).
    post(riverton, posted_at=datetime(2026, 11, 27, 5, 30, tzinfo=UTC))
    body = client_for(riverton.resident, riverton.tenant).get("/communications/").content.decode()
    assert "Nov 26, 2026" in body
    assert "Nov 27, 2026" not in body


def test_with_nothing_posted_it_says_so(riverton, client_for):
    body = client_for(riverton.resident, riverton.tenant).get("/communications/").content.decode()
    assert "There are no communications from the office right now." in body
    assert "<table" not in body


def test_office_admins_see_the_list_too(riverton, post, client_for):
    post(riverton, "2026 Water and Sewer Rates")
    response = client_for(riverton.clerk, riverton.tenant).get("/communications/")
    assert response.status_code == 200
    assert "2026 Water and Sewer Rates" in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(riverton, anon_client):
    response = anon_client(riverton.tenant).get("/communications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_rejects_post(riverton, client_for):
    assert client_for(riverton.resident, riverton.tenant).post("/communications/").status_code == 405


@pytest.mark.parametrize("count", [1, 30])
def test_the_number_of_queries_does_not_grow_with_the_number_of_communications(
        count, riverton, post, client_for, django_assert_max_num_queries):
    for i in range(count):
        post(riverton, f"Notice {i}", expires_on=date(2099, 1, 1) if i % 2 else None,
             posted_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=i))
    client = client_for(riverton.resident, riverton.tenant)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/communications/")
    assert response.content.decode().count("/pdf/") == count

