from django.test import Client

from portal.tenancy import slug_from_host


def test_slug_comes_from_the_first_label_of_the_host():
    assert slug_from_host("demo.localhost:8000") == "demo"
    assert slug_from_host("DEMO.localhost") == "demo"
    assert slug_from_host("localhost:8000") is None
    assert slug_from_host("a.b.localhost") == ""


def test_city_host_shows_its_own_login_page(riverton, lakeside):
    response = Client(HTTP_HOST="riverton.localhost").get("/")
    assert response.status_code == 200
    assert "City of Riverton" in response.content.decode()
    assert "Town of Lakeside" not in response.content.decode()


def test_unknown_subdomain_gets_a_friendly_404_naming_the_address(riverton):
    response = Client(HTTP_HOST="nowhere.localhost:8000").get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "nowhere.localhost" in body
    assert 'href="http://localhost:8000/"' in body


def test_inactive_city_is_unknown(riverton):
    riverton.tenant.is_active = False
    riverton.tenant.save()
    assert Client(HTTP_HOST="riverton.localhost").get("/").status_code == 404


def test_bare_domain_lists_cities_and_searches_by_name(riverton, lakeside):
    client = Client(HTTP_HOST="localhost:8000")
    body = client.get("/").content.decode()
    assert "City of Riverton" in body and "Town of Lakeside" in body
    assert 'href="http://riverton.localhost:8000/"' in body
    found = client.get("/", {"q": "lake"}).content.decode()
    assert "Town of Lakeside" in found and "City of Riverton" not in found
    none = client.get("/", {"q": "atlantis"}).content.decode()
    assert "No city matches" in none


def test_malformed_or_foreign_host_gets_400_not_500(riverton):
    for host in ("evil.example.com", "riverton.localhost:notaport", "bad host", "riverton..localhost"):
        response = Client(HTTP_HOST=host).get("/")
        assert response.status_code in (400, 404), host


def test_city_pages_are_not_served_on_the_directory_host(riverton):
    assert Client(HTTP_HOST="localhost").get("/accounts/signup/").status_code == 404


def test_session_from_one_city_is_not_a_login_at_another(riverton, lakeside, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    assert client.get("/").context["user"].is_authenticated
    # The same session presented at another city's host (as if the cookie were copied).
    response = client.get("/", HTTP_HOST="lakeside.localhost")
    assert not response.context["user"].is_authenticated
    assert "Sign in" in response.content.decode()


def test_login_cookie_is_host_only(riverton, password):
    client = Client(HTTP_HOST="riverton.localhost")
    response = client.post("/accounts/login/", {"login": riverton.resident.email, "password": password})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["domain"] == ""
    assert cookie["httponly"]


def test_request_uses_the_city_time_zone(riverton, lakeside):
    from django.utils import timezone

    seen = {}

    def probe(request):
        seen[request.tenant.slug] = timezone.get_current_timezone_name()

    from portal.middleware import TenantMiddleware
    from django.test import RequestFactory

    for city in (riverton, lakeside):
        request = RequestFactory().get("/", HTTP_HOST=city.host)
        TenantMiddleware(lambda r: probe(r) or __import__("django.http").http.HttpResponse())(request)
    assert seen == {"riverton": "America/Denver", "lakeside": "America/Chicago"}


def test_links_made_without_a_request_carry_the_public_port(riverton, settings):
    from portal.tenancy import tenant_url

    assert tenant_url(riverton.tenant, path="/pay/") == "http://riverton.localhost/pay/"
    settings.PUBLIC_PORT = "8000"  # bin/run: the worker's emails link to the port people use
    assert tenant_url(riverton.tenant, path="/pay/") == "http://riverton.localhost:8000/pay/"
