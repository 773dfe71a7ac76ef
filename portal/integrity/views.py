"""The public key that checks the portal's seals, at a stable address anyone may fetch."""

from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from portal.integrity import keys


@require_GET
@cache_control(public=True, max_age=24 * 60 * 60)
def public_key(request):
    response = HttpResponse(keys.public_key_pem(), content_type="application/x-pem-file; charset=ascii")
    response["Content-Disposition"] = 'inline; filename="portal-integrity-public-key.pem"'
    response["X-Key-Id"] = keys.current_key_id()
    return response
