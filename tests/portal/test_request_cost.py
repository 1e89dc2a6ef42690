"""The fixed cost of a signed-in page, and the caches that keep it low staying correct.

Sessions are read from the cache (cached_db) and the user with their role at each city from
customers/user_cache.py: a warm signed-in request reaches the view with at most one query, and
a logout, a password change or a membership change shows on the very next request.
"""

import pytest
from django.core.cache import cache
from django.urls import path

from customers import user_cache
from customers.models import Membership
from customers.services import create_office_admin
from portal.urls import urlpatterns as portal_urls
from portal.views import bench_bare

from ..factories import give_totp

# The portal's own URLs plus the benchmark's do-nothing view, whatever BENCHMARK_VIEWS says.
urlpatterns = [path("bench/bare", bench_bare), *portal_urls]

NEW_PASSWORD = "Brand-New-Heron-77"


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = __name__


def test_a_warm_signed_in_request_reaches_the_view_with_at_most_one_query(
        riverton, client_for, bench_urls, django_assert_max_num_queries):
    client = client_for(riverton.resident, riverton.tenant)
    assert client.get("/bench/bare").status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get("/bench/bare").content == b"ok"


def test_the_welcome_page_of_a_signed_in_resident_needs_no_query_for_session_user_or_menu(
        riverton, client_for, django_assert_max_num_queries):
    client = client_for(riverton.resident, riverton.tenant)
    client.get("/")
    with django_assert_max_num_queries(1):
        body = client.get("/").content.decode()
    assert "Sign out" in body and 'href="/office/"' not in body


def test_after_logout_the_cached_user_is_gone_and_the_old_cookie_is_signed_out(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    cookie = client.cookies["sessionid"].value
    assert client.get("/").status_code == 200
    assert cache.get(user_cache.cache_key(riverton.resident.pk)) is not None

    assert client.post("/accounts/logout/").status_code == 302

    assert cache.get(user_cache.cache_key(riverton.resident.pk)) is None
    replay = client_for(riverton.clerk, riverton.tenant)  # any client, then the old cookie
    replay.cookies["sessionid"] = cookie
    assert "Sign out" not in replay.get("/").content.decode()


def test_a_password_change_signs_out_the_other_sessions_even_with_the_user_cached(riverton, client_for, password):
    laptop = client_for(riverton.resident, riverton.tenant)
    phone = client_for(riverton.resident, riverton.tenant)
    assert phone.get("/utility/").status_code == 200
    assert laptop.get("/utility/").status_code == 200
    assert cache.get(user_cache.cache_key(riverton.resident.pk)) is not None

    response = laptop.post("/accounts/password/change/",
                           {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302

    assert laptop.get("/utility/").status_code == 200
    away = phone.get("/utility/")
    assert away.status_code == 302 and away["Location"].startswith("/accounts/login/")


def test_a_deactivated_user_is_signed_out_on_the_next_request(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    assert client.get("/utility/").status_code == 200
    riverton.resident.is_active = False
    riverton.resident.save()
    assert client.get("/utility/").status_code == 302


def test_made_office_admin_the_next_request_shows_the_admin_screens(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    assert client.get("/office/").status_code == 404
    assert 'href="/office/"' not in client.get("/").content.decode()

    give_totp(riverton.resident)  # office screens open only with an authenticator app
    create_office_admin(tenant=riverton.tenant, email=riverton.resident.email, password=None)

    assert client.get("/office/").status_code == 200
    assert 'href="/office/"' in client.get("/").content.decode()


def test_an_office_admin_made_customer_or_removed_loses_the_admin_screens_at_once(riverton, lakeside, client_for):
    client = client_for(riverton.clerk, riverton.tenant)
    assert client.get("/office/").status_code == 200

    membership = riverton.tenant.memberships.get(user=riverton.clerk)
    membership.role = Membership.Role.CUSTOMER
    membership.save()
    assert client.get("/office/").status_code == 404

    membership.role = Membership.Role.OFFICE_ADMIN
    membership.save()
    assert client.get("/office/").status_code == 200
    riverton.tenant.memberships.filter(user=riverton.clerk).delete()
    assert client.get("/office/").status_code == 404


def test_being_office_admin_in_one_city_gives_nothing_in_another(riverton, lakeside, client_for):
    lakeside.tenant.memberships.create(user=riverton.clerk)
    client = client_for(riverton.clerk, lakeside.tenant)
    assert client.get("/office/").status_code == 404
    assert 'href="/office/"' not in client.get("/").content.decode()
