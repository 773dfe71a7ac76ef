from django import template

from portal import formatting

register = template.Library()


@register.filter
def money(value, currency="CNY"):
    """``{{ amount|money:'CNY' }}`` → ``¥35,000.00`` (see portal.formatting.money)."""
    return formatting.money(value, currency)
