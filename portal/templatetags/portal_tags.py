from django import template
from django.conf import settings

from portal import formatting

register = template.Library()


@register.filter
def money(value, currency="CNY"):
    """``{{ amount|money:'CNY' }}`` → ``¥35,000.00`` (see portal.formatting.money)."""
    return formatting.money(value, currency)


@register.simple_tag
def support_contact():
    """The phone and hours every page's footer shows, for templates rendered outside a request
    (notices and their emails): ``{% support_contact as support %}``."""
    return {"phone": getattr(settings, "SUPPORT_PHONE", ""), "hours": getattr(settings, "SUPPORT_HOURS", "")}
