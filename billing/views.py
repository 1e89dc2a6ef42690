from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
@require_GET
def home(request):
    """Utility Billing home: the user's linked accounts."""
    return render(request, "billing/home.html", {"accounts": []})
