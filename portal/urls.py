"""URLs of a city's portal (<slug>.<BASE_DOMAIN>)."""

from django.conf import settings
from django.urls import include, path, re_path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("welcome/next/", views.onboarding, name="onboarding"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("profile/", include("customers.urls")),
    path("unsubscribe/", include("customers.unsubscribe_urls")),
    path("office/", include("adminpanel.urls")),
    path("utility/", include("customers.link_urls")),
    path("utility/", include("billing.accounts.urls")),
    path("utility/", include("autopay.urls")),
    path("pay/", include("billing.payments.urls")),
    path("communications/", include("communications.urls")),
]

# The sandbox moves no money: its endpoints do not exist in production.
if not settings.PRODUCTION:
    urlpatterns.append(path("sandboxpay/", include("sandboxpay.urls")))

# Public uploads (logos, main-page photos): in production nginx serves /media/ (deploy/nginx.conf).
def _media(request, path):
    """Off production only: what nginx does there, reading MEDIA_ROOT at each request."""
    from django.views.static import serve

    return serve(request, path, document_root=settings.MEDIA_ROOT)


if not settings.PRODUCTION:
    urlpatterns.append(re_path(r"^media/(?P<path>.+)$", _media, name="media"))

if settings.BENCHMARK_VIEWS:
    urlpatterns.append(path("bench/bare", views.bench_bare))

handler400 = "portal.views.bad_request"
handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
