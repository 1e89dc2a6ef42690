from django.urls import path

from . import payment_views, views

app_name = "adminpanel"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("payments/pending/", views.pending, name="pending"),
    path("payments/pending/retry/", views.retry_pending, name="retry_pending"),
    path("payments/", views.payments, name="payments"),
    path("payments/export.xlsx", views.payments_export, name="payments_export"),
    path("settings/payments/", views.payment_settings, name="payment_settings"),
    path("settings/payments/fee-preview/", views.fee_preview, name="fee_preview"),
    # After the fixed payments/... paths, so "pending" is never taken for a reference.
    path("payments/<slug:reference>/", payment_views.payment_detail, name="payment_detail"),
    path("payments/<slug:reference>/post-late/", payment_views.post_late, name="post_late"),
    path("payments/<slug:reference>/refund-late/", payment_views.refund_late, name="refund_late"),
]
