"""URLs of the bare domain: the directory of cities and the health check."""

from django.urls import path

from communications.outbox.bounces import bounce_webhook

from . import views

urlpatterns = [
    path("", views.directory, name="directory"),
    path("healthz", views.healthz, name="healthz"),
    path("email/bounces/", bounce_webhook, name="email_bounces"),  # the mail provider's bounce reports
]

handler400 = "portal.views.bad_request"
handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
