from django.urls import path

from . import views

app_name = "communications"
urlpatterns = [
    path("", views.communication_list, name="list"),
    path("<int:communication_id>/pdf/", views.communication_pdf, name="pdf"),
]
