from django.urls import path

from . import views as pay_views, webhooks
from ..accounts.urls import AccountKeyConverter  # noqa: F401  (registers the acct converter)

app_name = "pay"
urlpatterns = [
    path("utility/<acct:account_key>/", pay_views.pay_account, name="account"),
    path("fees/", pay_views.fees, name="fees"),
    path("other/", pay_views.other_payment, name="other"),
    path("cart/", pay_views.cart, name="cart"),
    path("cart/<int:item_id>/remove/", pay_views.remove_from_cart, name="cart_remove"),
    path("wallet/", pay_views.wallet, name="wallet"),
    path("wallet/<int:method_id>/delete/", pay_views.delete_method, name="wallet_delete"),
    path("webhooks/stripe/", webhooks.stripe_webhook, name="stripe_webhook"),
    path("<slug:reference>/confirm/", pay_views.confirm, name="confirm"),
    path("<slug:reference>/", pay_views.result, name="result"),
]
