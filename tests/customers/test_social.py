"""Continue with Google/Apple: shown only when configured; Google's callback runs against a local
stand-in for Google's token endpoint (a real HTTP server on loopback), so no network is needed."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter
from django.test import Client

from customers.models import Membership, User

CLIENT_ID = "test-client.apps.googleusercontent.com"


@pytest.fixture
def google(settings, monkeypatch):
    """Google configured for the portal, its token endpoint served locally."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            seen.append(parse_qs(body))
            now = int(time.time())
            id_token = jwt.encode({"iss": "https://accounts.google.com", "aud": CLIENT_ID, "sub": "10769150350006150715113082367",
                                   "email": "gina@gmail.example", "email_verified": True, "given_name": "Gina",
                                   "family_name": "Google", "iat": now, "exp": now + 600}, "local-test-key-long-enough-for-hs256!", algorithm="HS256")
            payload = json.dumps({"access_token": "ya29.local", "expires_in": 3599, "token_type": "Bearer",
                                  "scope": "openid email profile", "id_token": id_token}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {
        "APPS": [{"client_id": CLIENT_ID, "secret": "local-secret", "key": ""}],
        "SCOPE": ["profile", "email"], "EMAIL_AUTHENTICATION": True}}
    monkeypatch.setattr(GoogleOAuth2Adapter, "access_token_url", base + "/token")
    monkeypatch.setattr(GoogleOAuth2Adapter, "authorize_url", base + "/authorize")
    yield seen
    server.shutdown()


def test_social_buttons_are_hidden_without_keys(riverton):
    body = Client(HTTP_HOST="riverton.localhost").get("/accounts/login/").content.decode()
    assert "Continue with Google" not in body and "Continue with Apple" not in body


def test_google_login_callback_creates_a_verified_member_of_this_city(riverton, google):
    client = Client(HTTP_HOST="riverton.localhost")
    assert "Continue with Google" in client.get("/accounts/login/").content.decode()
    start = client.post("/accounts/google/login/")
    assert start.status_code == 302
    redirect = urlparse(start["Location"])
    params = parse_qs(redirect.query)
    assert redirect.path == "/authorize" and params["client_id"] == [CLIENT_ID]
    assert params["redirect_uri"] == ["http://riverton.localhost/accounts/google/login/callback/"]
    done = client.get("/accounts/google/login/callback/", {"state": params["state"][0], "code": "4/local-code"})
    assert done.status_code == 302, done.content.decode()[-1500:]
    assert google and google[0]["code"] == ["4/local-code"]
    user = User.objects.get(email="gina@gmail.example")
    assert user.emailaddress_set.get().verified
    assert Membership.objects.get(user=user).tenant == riverton.tenant
    assert client.get("/").context["user"] == user


def test_google_callback_with_a_forged_state_logs_no_one_in(riverton, google):
    client = Client(HTTP_HOST="riverton.localhost")
    client.post("/accounts/google/login/")
    response = client.get("/accounts/google/login/callback/", {"state": "forged", "code": "4/local-code"})
    assert response.status_code == 401
    assert "Login Failure" in response.content.decode()
    assert not User.objects.filter(email="gina@gmail.example").exists()
    assert not client.get("/").context["user"].is_authenticated
