"""The one-click unsubscribe link every non-transactional email carries (no sign-in needed)."""

from django.urls import path

from . import notification_views

urlpatterns = [
    path("<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
]
