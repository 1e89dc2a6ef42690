"""A signed-in session belongs to one city: logging in binds it, and one bound to no city is logged out."""

from django.test import Client

from portal.middleware import SESSION_TENANT_KEY

from ..conftest import CityClient


def test_logging_in_binds_the_session_to_the_city(riverton, password):
    client = Client(HTTP_HOST="riverton.localhost")
    response = client.post("/accounts/login/", {"login": riverton.resident.email, "password": password})
    assert response.status_code == 302
    assert client.session[SESSION_TENANT_KEY] == riverton.tenant.id
    assert client.get("/").context["user"].is_authenticated


def test_a_signed_in_session_bound_to_no_city_is_logged_out(riverton):
    client = CityClient(riverton.host)
    client.force_login(riverton.resident)  # a session made outside the city's login, with no city in it
    response = client.get("/")
    assert not response.context["user"].is_authenticated
    assert "Sign in" in response.content.decode()
    assert client.get("/profile/").status_code == 302  # back to the login page


def test_a_session_bound_to_its_city_stays_signed_in(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    assert client.get("/").context["user"].is_authenticated
    assert client.get("/").context["user"].is_authenticated
