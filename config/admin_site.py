"""The staff admin: reached only through the portal's login (so MFA applies), only by staff who
use two-factor authentication, and every add, change and delete lands in the audit log."""

from allauth.account.views import LoginView
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.identity.staff_access import STAFF_SIGN_IN_SESSION_KEY
from portal.services import audit_event_record


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, list | tuple | set) or hasattr(value, "__iter__"):
        return [str(item) for item in value]
    return str(value)


class AuditedModelAdminMixin:
    """Mirrors the admin's own change log into the audit log, with the changed fields' before
    and after values. Mixed into every ModelAdmin registered on the portal's site."""

    def construct_change_message(self, request, form, formsets, add=False):
        before, after = {}, {}
        for name in getattr(form, "changed_data", []):
            before[name] = _jsonable(form.initial.get(name))
            after[name] = _jsonable(form.cleaned_data.get(name))
        request._audit_change = (before, after)
        return super().construct_change_message(request, form, formsets, add)

    def _audit(self, request, action, obj, message):
        before, after = getattr(request, "_audit_change", ({}, {}))
        audit_event_record(
            actor=request.user,
            action=action,
            target=obj,
            summary=str(message) if message else "",
            before=before,
            after=after,
            request=request,
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, "admin.add", obj, message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, "admin.change", obj, message)
        return entry

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_event_record(
                actor=request.user, action="admin.delete", target=obj, before={"object": str(obj)}, request=request
            )
        return super().log_deletions(request, queryset)


def field_names_translate(model):
    """Fields given no verbose name get one made from their name ("decided_by_user" → "decided
    by user"), which no catalogue translates. Read it through the catalogue instead, so column
    headers and labels follow the language. Only the displayed name changes: migrations read the
    name the field was declared with (``_verbose_name``)."""
    for field in model._meta.get_fields():
        if getattr(field, "_verbose_name", True) is None and isinstance(getattr(field, "verbose_name", None), str):
            field.verbose_name = gettext_lazy(field.verbose_name)  # noqa: INT001 - msgids come from field names


def user_has_mfa(user):
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class PortalAdminSite(admin.AdminSite):
    site_header = _("Credit line portal — staff")
    site_title = _("Staff admin")
    index_title = _("Work queues and records")

    def register(self, model_or_iterable, admin_class=None, **options):
        for model in [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable:
            field_names_translate(model)
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedModelAdminMixin):
            admin_class = type(admin_class.__name__, (AuditedModelAdminMixin, admin_class), {})
        return super().register(model_or_iterable, admin_class, **options)

    def __init__(self, name="admin"):
        super().__init__(name)
        self._pages = {}

    def page_register(self, *, route, view, name):
        """Mount a staff page that belongs to no model (the daily risk report) at ``admin/<route>``,
        behind the same checks as every admin page. config/urls.py registers them, so the site
        itself imports no app (an app's admin module imports the site while it is being built)."""
        self._pages[name] = (route, view)

    def get_urls(self):
        pages = [path(route, self.admin_view(view), name=name) for name, (route, view) in self._pages.items()]
        return pages + super().get_urls()

    def has_permission(self, request):
        """Active staff whose session passed two-factor authentication when ``ADMIN_REQUIRE_MFA``
        asks for it (accounts/identity/staff_access.py decides, for the admin as everywhere)."""
        user = request.user
        return user.is_active and user.acts_as_staff

    def login(self, request, extra_context=None):
        """Staff sign in on a page of their own (no sign-up), through allauth's login, so the
        portal's two-factor step and rate limits apply. A signed-in staff member without an
        authenticator is sent to set one up; one whose session skipped it signs in again."""
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and user.staff_powers_withheld:
            if not user_has_mfa(user):
                messages.warning(request, _("Staff must turn on two-factor authentication before using the admin."))
                return redirect("mfa_activate_totp")
            messages.warning(
                request, _("Sign out, then sign in again with your authenticator code to use the staff tools.")
            )
            return redirect("account_logout")
        if user.is_authenticated and not user.is_staff:
            messages.error(request, _("This area is for staff only."))
            return redirect("dashboard")
        if user.is_authenticated:
            return redirect(request.GET.get("next") or reverse("admin:index"))
        # Read when the two-factor step is cancelled, to lead back here (accounts.identity.views).
        request.session[STAFF_SIGN_IN_SESSION_KEY] = (
            request.GET.get("next") or request.POST.get("next") or reverse("admin:index")
        )
        return StaffLoginView.as_view(admin_site=self)(request)


class StaffLoginView(LoginView):
    """allauth's login (password, then the authenticator code) in the admin's own page."""

    template_name = "admin/login.html"
    admin_site = None

    def get_success_url(self):
        return super().get_success_url() or reverse("admin:index")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.admin_site.each_context(self.request))
        context.update(
            title=_("Staff sign-in"),
            next=self.request.GET.get("next") or self.request.POST.get("next") or reverse("admin:index"),
            password_reset_url=reverse("account_reset_password"),
        )
        return context
