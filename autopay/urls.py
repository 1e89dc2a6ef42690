from django.urls import path

import billing.accounts.urls  # noqa: F401  (registers the "acct" converter)

from . import step_views, views

app_name = "autopay"
urlpatterns = [
    path("accounts/<acct:account_key>/autopay/", views.manage, name="manage"),
    path("accounts/<acct:account_key>/autopay/off/", views.unenroll, name="unenroll"),
    path("accounts/<acct:account_key>/autopay/schedule/", step_views.enroll, name="enroll"),
    path("accounts/<acct:account_key>/autopay/method/", step_views.method, name="method"),
    path("accounts/<acct:account_key>/autopay/authorize/", step_views.authorize, name="authorize"),
    path("autopay/invitations/<str:token>/", views.invitation, name="invitation"),
]
