from django.urls import path

from . import notification_views, views

app_name = "customers"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("notifications/", notification_views.preferences, name="notifications"),
]
