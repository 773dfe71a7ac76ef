"""Shared pieces of the staff admin that every app builds on. Apps import these from here, never
from another app's admin module."""

from django.contrib import admin

from portal.formatting import money


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff read these records here; they change only through services (or not at all)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def money_display(field_name, description, *, currency=lambda obj: obj.account.product.currency):
    """A column (or read-only field) that writes an amount as borrower pages do (¥35,000.00), in
    the currency ``currency(obj)`` names. Sorts by the field."""

    @admin.display(description=description, ordering=field_name)
    def display(*args):
        obj = args[-1]  # called as a ModelAdmin method (admin, obj) or on its own (obj)
        return money(getattr(obj, field_name), currency(obj))

    display.__name__ = field_name
    return display
