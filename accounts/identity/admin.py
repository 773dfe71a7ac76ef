from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import (
    CustomerRecord,
    IdentityBindingAttempt,
    User,
)
from portal.admin_base import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "identity_bound", "preferred_language", "is_staff", "is_active", "date_joined"]
    list_filter = [
        "is_staff",
        "is_active",
        "is_superuser",
        "groups",
        "preferred_language",
        ("customer", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "customer__external_id"]
    readonly_fields = ["customer", "identity_bound_at", "last_login", "date_joined"]
    list_select_related = ["customer"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Borrower"), {"fields": ("preferred_language", "customer", "identity_bound_at")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    @admin.display(boolean=True, description=_("identity bound"))
    def identity_bound(self, obj):
        return obj.customer_id is not None


@admin.register(CustomerRecord)
class CustomerRecordAdmin(ReadOnlyAdmin):
    """Customer records come from the core system; staff read them here but do not edit them."""

    list_display = ["external_id", "masked_name", "masked_national_id", "bound_user", "updated_at"]
    search_fields = ["external_id", "user__email"]
    list_select_related = ["user"]
    readonly_fields = ["external_id", "masked_name", "masked_national_id", "created_at", "updated_at"]
    fields = readonly_fields
    show_full_result_count = False

    @admin.display(description=pgettext_lazy("person", "name"))
    def masked_name(self, obj):
        return obj.masked_name

    @admin.display(description=_("ID number"))
    def masked_national_id(self, obj):
        return obj.masked_national_id

    @admin.display(description=_("login"))
    def bound_user(self, obj):
        user = getattr(obj, "user", None)
        return user.email if user else "—"


@admin.register(IdentityBindingAttempt)
class IdentityBindingAttemptAdmin(ReadOnlyAdmin):
    list_display = ["user", "succeeded", "attempted_at", "ip_address"]
    list_filter = ["succeeded", "attempted_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    date_hierarchy = "attempted_at"
