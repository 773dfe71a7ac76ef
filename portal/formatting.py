"""How money is written everywhere: pages, emails, notices and error messages. Template tags and
services both call this one function."""

from decimal import Decimal, InvalidOperation

CURRENCY_SYMBOLS = {"CNY": "¥"}


def money(value, currency="CNY"):
    """``money(Decimal('35000'), 'CNY')`` → ``¥35,000.00``: two decimals, grouped, currency stated.
    Anything that is not a number gives an empty string (a template must not crash on it)."""
    try:
        amount = Decimal(value)
    except (TypeError, ValueError, InvalidOperation):
        return ""
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"
