"""The yardstick of bench/: a minimal Django site (startproject's middleware, no database) with two views.

`/bare` answers "ok". `/table` is the smallest honest list page: a 50-row, five-column table rendered by Django's
templates from rows made in memory (a date through `|date`, two texts, a number, a link per row, one
`{% translate %}` per row), so an office list can be compared with what any Django table of 50 rows costs.

Settings and URLs in one module: DJANGO_SETTINGS_MODULE=bench.minimal_site, served by gunicorn as
`django.core.wsgi:get_wsgi_application()`, next to the portal and with the same worker count.
"""

from datetime import datetime, timedelta, timezone

from django.http import HttpResponse
from django.template import Context, Engine
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
USE_I18N = True
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": False, "DIRS": []}]
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


TABLE = Engine(libraries={"i18n": "django.templatetags.i18n"}).from_string(
    "{% load i18n %}<!doctype html><html><head><title>{% translate 'Rows' %}</title></head><body><table><thead><tr>"
    "<th>{% translate 'When' %}</th><th>{% translate 'Person' %}</th><th>{% translate 'Number' %}</th>"
    "<th>{% translate 'Amount' %}</th><th></th></tr></thead><tbody>{% for r in rows %}<tr>"
    "<td>{{ r.at|date:'M j, Y g:i A' }}</td><td>{{ r.name }}<br>{{ r.email }}</td><td>{{ r.number }}</td>"
    "<td>{{ r.amount }}</td><td><a href=\"/rows/{{ r.id }}/\">{% translate 'Open' %}</a></td></tr>{% endfor %}"
    "</tbody></table></body></html>")
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


def table(request):
    rows = [{"id": i, "at": START + timedelta(hours=i), "name": f"Person {i}", "email": f"p{i}@example.org",
             "number": f"{i:03}-0101-00", "amount": f"{i}.50"} for i in range(50)]
    return HttpResponse(TABLE.render(Context({"rows": rows})))


urlpatterns = [path("bare", bare), path("table", table)]
