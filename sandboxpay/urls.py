from django.urls import path

from . import views

app_name = "sandboxpay"
urlpatterns = [
    path("tokens", views.tokenize, name="tokenize"),
]
