from django.urls import path

from . import views

app_name = "billing"
urlpatterns = [
    path("", views.home, name="home"),
    path("link/", views.link, name="link"),
    path("links/<int:link_id>/unlink/", views.unlink, name="unlink"),
]
