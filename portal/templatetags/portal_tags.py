from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()

CURRENCY_SYMBOLS = {"CNY": "¥"}


@register.filter
def money(value, currency="CNY"):
    """``Decimal('35000')|money:'CNY'`` → ``¥35,000.00``: two decimals, grouped, currency stated."""
    try:
        amount = Decimal(value)
    except (TypeError, InvalidOperation):
        return ""
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"
