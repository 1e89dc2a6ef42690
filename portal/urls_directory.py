"""URLs of the bare domain: the directory of cities and the health check."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.directory, name="directory"),
    path("healthz", views.healthz, name="healthz"),
]

handler400 = "portal.views.bad_request"
handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
