"""Linking and unlinking utility accounts, under Utility Billing's address (/utility/)."""

from django.urls import path

from . import views

app_name = "linking"
urlpatterns = [
    path("link/", views.link, name="link"),
    path("links/<int:link_id>/unlink/", views.unlink, name="unlink"),
]
