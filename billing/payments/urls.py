from django.urls import path

from . import cart_views, other_views, views as pay_views, wallet_views, webhooks
from ..accounts.urls import AccountKeyConverter  # noqa: F401  (registers the acct converter)

app_name = "pay"
urlpatterns = [
    path("utility/<acct:account_key>/", pay_views.pay_account, name="account"),
    path("fees/", pay_views.fees, name="fees"),
    path("other/", other_views.other_payment, name="other"),
    path("cart/", cart_views.cart, name="cart"),
    path("cart/<int:item_id>/remove/", cart_views.remove_from_cart, name="cart_remove"),
    path("wallet/", wallet_views.wallet, name="wallet"),
    path("wallet/<int:method_id>/delete/", wallet_views.delete_method, name="wallet_delete"),
    path("webhooks/stripe/", webhooks.stripe_webhook, name="stripe_webhook"),
    path("<slug:reference>/confirm/", pay_views.confirm, name="confirm"),
    path("<slug:reference>/", pay_views.result, name="result"),
]
