from django.urls import path

import billing.accounts.urls  # noqa: F401  (registers the "acct" converter)

from . import views

app_name = "autopay"
urlpatterns = [
    path("accounts/<acct:account_key>/autopay/", views.manage, name="manage"),
    path("autopay/invitations/<str:token>/", views.manage, name="invitation"),
]
