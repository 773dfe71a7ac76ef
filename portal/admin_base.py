"""Shared pieces of the staff admin that every app builds on. Apps import these from here, never
from another app's admin module."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff read these records here; they change only through services (or not at all)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
