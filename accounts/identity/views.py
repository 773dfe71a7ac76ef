from urllib.parse import urlencode

from allauth.account.decorators import reauthentication_required
from allauth.account.internal.stagekit import clear_login
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.identity import services
from accounts.identity.forms import IdentityBindingForm, PreferencesForm, SignOutEverywhereForm
from accounts.identity.selectors import (
    api_token_expires_at,
    api_token_get,
    api_token_usage_get,
    identity_binding_attempts_left,
    identity_binding_lock_get,
)
from accounts.identity.staff_access import STAFF_SIGN_IN_SESSION_KEY
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
        _language_cookie_set(response, user.preferred_language)
        return response
    return render(request, "accounts/settings.html", _settings_context(request, form=form))


def _settings_context(request, *, form, sign_out_form=None):
    user = request.user
    token = api_token_get(user=user)
    return {
        "form": form,
        "sign_out_form": sign_out_form or SignOutEverywhereForm(user=user),
        "has_mfa": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
        "token": token,
        "token_expires_at": api_token_expires_at(token) if token else None,
        "token_usage": api_token_usage_get(token) if token else None,
        "new_token": request.session.pop("new_api_token", None),
    }


def _language_cookie_set(response, language):
    """The language cookie, with every attribute from settings, as Django's set_language sets it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@login_required
@require_POST
def sign_out_everywhere(request):
    """Sign out every other browser and app: after the password is confirmed, every other session
    ends and the API token is revoked; this browser stays signed in."""
    form = SignOutEverywhereForm(request.POST, user=request.user)
    if not form.is_valid():
        preferences = PreferencesForm(initial={"preferred_language": request.user.preferred_language})
        context = _settings_context(request, form=preferences, sign_out_form=form)
        return render(request, "accounts/settings.html", context, status=400)
    services.user_sign_out_everywhere(user=request.user, password=form.cleaned_data["password"], request=request)
    update_session_auth_hash(request, request.user)
    messages.success(request, _("You are signed out everywhere else, and your API token was revoked."))
    return redirect("account_settings")


@login_required
@reauthentication_required(allow_get=True)
def api_token_create(request):
    """GET asks for confirmation; POST (after the password was entered again) creates the token.
    A staff login without its second factor gets none: it holds no staff power to hand on."""
    if request.user.is_staff and request.user.staff_powers_withheld:
        raise PermissionDenied
    if request.method != "POST":
        return render(
            request, "accounts/api_token_confirm.html", {"has_token": api_token_get(user=request.user) is not None}
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


def sign_in_cancel(request):
    """ "Cancel" on the two-factor step: drop the half-finished sign-in (nobody is signed in yet,
    so nobody is signed out) and go back to the sign-in page it began on."""
    if not request.user.is_authenticated:
        clear_login(request)
    staff_next = request.session.pop(STAFF_SIGN_IN_SESSION_KEY, None)
    if staff_next:
        return redirect(f"{reverse('admin:login')}?{urlencode({'next': staff_next})}")
    return redirect("account_login")
