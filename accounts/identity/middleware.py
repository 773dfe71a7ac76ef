from django.conf import settings
from django.shortcuts import redirect
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in person who has not picked a language on this browser sees their saved one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.preferred_language != translation.get_language()
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)


# Paths a signed-in borrower may reach before linking their customer record: sign-in and
# security pages, account settings, the binding page itself, language switching and assets.
UNBOUND_ALLOWED_PREFIXES = (
    "/accounts/",
    "/identity/",
    "/settings/",
    "/i18n/",
    "/static/",
    "/api/",
    "/admin/",
    "/health/",
)


class IdentityBindingRequiredMiddleware:
    """Until a borrower's login is linked to their customer record, every portal page except
    account settings sends them to the binding page. The API answers for itself (403)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_staff
            and user.customer_id is None
            and not request.path.startswith(UNBOUND_ALLOWED_PREFIXES)
        ):
            return redirect("identity_binding")
        return self.get_response(request)
