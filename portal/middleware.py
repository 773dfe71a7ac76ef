"""Middleware shared by every app."""

PRIVATE_CACHE_CONTROL = "private, no-store"


class PrivateCacheMiddleware:
    """Keep pages and API answers meant for one signed-in person out of every cache.

    Any response to an authenticated request (a session, or a token that DRF checks inside the
    view and then sets on ``request.user``) may carry personal data, so it gets
    ``Cache-Control: private, no-store``, unless the view already said ``no-store`` itself. A
    request with an ``Authorization`` header counts too, whatever the token turned out to be.
    Static files are answered by WhiteNoise before this runs, and anonymous pages (welcome, sign
    in) keep whatever caching they had."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _is_personal(request) and "no-store" not in response.get("Cache-Control", ""):
            # A view's weaker choice (public, max-age) must not survive next to personal data.
            response["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response


def _is_personal(request):
    user = getattr(request, "user", None)
    return "HTTP_AUTHORIZATION" in request.META or bool(user is not None and user.is_authenticated)
