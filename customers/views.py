from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import ProfileForm
from .services import update_phone


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The person's own settings: mobile phone for text messages; links to email and password."""
    form = ProfileForm(request.POST or None, initial={"phone": request.user.phone})
    if request.method == "POST" and form.is_valid():
        update_phone(user=request.user, phone=form.cleaned_data["phone"])
        messages.success(request, _("Your phone number was saved."))
        return redirect("customers:profile")
    return render(request, "customers/profile.html", {"form": form})
