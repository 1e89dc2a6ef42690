from django.urls import path

from . import views

app_name = "adminpanel"
urlpatterns = [
    path("", views.overview, name="overview"),
]
