"""The yardstick of bench/: a minimal Django site (startproject's middleware, no database) with one view.

Settings and URLs in one module: DJANGO_SETTINGS_MODULE=bench.minimal_site, served by gunicorn as
`django.core.wsgi:get_wsgi_application()`, next to the portal and with the same worker count.
"""

from django.http import HttpResponse
from django.urls import path

SECRET_KEY = "bench-only-not-a-secret-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bench.minimal_site"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
DATABASES: dict = {}


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bare", bare)]
