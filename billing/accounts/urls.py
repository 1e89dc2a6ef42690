from django.urls import path, register_converter

from . import views


class AccountKeyConverter:
    """A customer number in a URL: digits only (the account key)."""

    regex = r"[0-9]{1,20}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AccountKeyConverter, "acct")

app_name = "billing"
urlpatterns = [
    path("", views.home, name="home"),
    path("history/", views.history_index, name="history"),
    path("graphs/", views.graphs_index, name="graphs"),
    path("accounts/<acct:account_key>/history/", views.account_history, name="account_history"),
    path("accounts/<acct:account_key>/history/<slug:group_id>/", views.history_entry, name="history_entry"),
    path("accounts/<acct:account_key>/bills/<slug:bill_id>.pdf", views.bill_pdf, name="bill_pdf"),
    path("accounts/<acct:account_key>/graphs/", views.account_graphs, name="account_graphs"),
    path("accounts/<acct:account_key>/paperless/", views.paperless, name="paperless"),
]
