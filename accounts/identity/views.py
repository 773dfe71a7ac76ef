from allauth.account.decorators import reauthentication_required
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from accounts.identity import services
from accounts.identity.forms import IdentityBindingForm, PreferencesForm
from accounts.identity.selectors import identity_binding_attempts_left, identity_binding_lock_get
from portal.exceptions import PortalError


@login_required
def identity_binding(request):
    user = request.user
    if user.is_staff and user.customer_id is None:
        messages.info(request, _("Staff logins are not linked to customer records."))
        return redirect("admin:index")
    if user.customer_id is not None:
        messages.info(request, _("Your login is already linked to your customer record."))
        return redirect("dashboard")
    locked_until = identity_binding_lock_get(user=user)
    form = IdentityBindingForm(request.POST or None)
    if request.method == "POST" and not locked_until and form.is_valid():
        try:
            services.identity_binding_submit(
                user=user,
                legal_name=form.cleaned_data["legal_name"],
                national_id_number=form.cleaned_data["national_id_number"],
                request=request,
            )
        except PortalError as error:
            form.add_error(None, error.message)
            locked_until = identity_binding_lock_get(user=user)
        else:
            messages.success(request, _("Thank you. Your identity is verified and your login is linked."))
            return redirect("dashboard")
    return render(
        request,
        "accounts/identity_binding.html",
        {
            "form": form,
            "locked_until": locked_until,
            "attempts_left": identity_binding_attempts_left(user=user),
        },
    )


@login_required
def account_settings(request):
    user = request.user
    form = PreferencesForm(request.POST or None, initial={"preferred_language": user.preferred_language})
    if request.method == "POST" and form.is_valid():
        services.user_preferences_update(
            user=user, preferred_language=form.cleaned_data["preferred_language"], request=request
        )
        messages.success(request, _("Your preferences are saved."))
        response = redirect("account_settings")
        response.set_cookie("portal_language", user.preferred_language, samesite="Lax", httponly=True)
        return response
    context = {
        "form": form,
        "has_mfa": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
        "token": Token.objects.filter(user=user).first(),
        "new_token": request.session.pop("new_api_token", None),
    }
    return render(request, "accounts/settings.html", context)


@login_required
@reauthentication_required(allow_get=True)
def api_token_create(request):
    """GET asks for confirmation; POST (after the password was entered again) creates the token."""
    if request.method != "POST":
        return render(
            request, "accounts/api_token_confirm.html", {"has_token": Token.objects.filter(user=request.user).exists()}
        )
    token = services.api_token_create(user=request.user, request=request)
    # Shown once, on the next page only.
    request.session["new_api_token"] = token.key
    messages.success(request, _("A new API token was created. Copy it now: it will not be shown again."))
    return redirect("account_settings")


@login_required
@require_POST
def api_token_revoke(request):
    if services.api_token_revoke(user=request.user, request=request):
        messages.success(request, _("Your API token was revoked. Apps using it are signed out."))
    return redirect("account_settings")
