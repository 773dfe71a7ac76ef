"""Staff screens for offers of a higher limit: list and search them, make one on a credit line,
approve a large one someone else made (four eyes), and withdraw an open one. Every change goes
through the offer services, which check the permission and write the audit event."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.credit import offers
from accounts.models import CreditAccount, LimitOffer
from portal.admin_base import money_display
from portal.exceptions import PortalError
from portal.services import audit_event_record

MAKE_PERMISSION = "accounts.add_limitoffer"
WITHDRAW_PERMISSION = "accounts.change_limitoffer"
APPROVE_PERMISSION = "accounts.approve_limitoffer"


class LimitOfferMakeForm(forms.Form):
    account = forms.CharField(
        label=gettext_lazy("Credit line (external id)"),
        max_length=64,
        error_messages={"required": gettext_lazy("Enter the external id of the credit line.")},
    )
    offered_limit = forms.DecimalField(
        label=gettext_lazy("Offered limit"),
        max_digits=12,
        decimal_places=2,
        min_value=0.01,
        error_messages={"required": gettext_lazy("Enter the limit to offer.")},
    )
    reason_zh = forms.CharField(
        label=gettext_lazy("Why, in Chinese (the borrower reads this)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": gettext_lazy("Explain the offer in Chinese.")},
    )
    reason_en = forms.CharField(
        label=gettext_lazy("Why, in English (the borrower reads this)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": gettext_lazy("Explain the offer in English.")},
    )
    expires_at = forms.DateTimeField(
        label=gettext_lazy("Open until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": gettext_lazy("Choose until when the offer is open.")},
    )

    def clean_account(self):
        account = CreditAccount.objects.filter(external_id=self.cleaned_data["account"].strip()).first()
        if account is None:
            raise forms.ValidationError(_("No credit line has this external id."))
        return account


@admin.register(LimitOffer)
class LimitOfferAdmin(admin.ModelAdmin):
    """Offers and the borrowers' answers. Read-only as records: they change only by the actions."""

    list_display = [
        "account",
        "previous_limit_money",
        "offered_limit_money",
        "source",
        "status",
        "offered_by",
        "approved_by",
        "created_at",
        "expires_at",
        "answered_at",
        "answer_channel",
    ]
    list_filter = ["status", "source", "answer_channel"]
    search_fields = ["account__external_id", "account__customer__external_id", "source_reference", "reason_code"]
    list_select_related = ["account__product", "offered_by", "approved_by"]
    raw_id_fields = ["account", "limit_change"]
    ordering = ["-created_at", "-pk"]
    show_full_result_count = False
    actions = ["approve_selected", "withdraw_selected"]
    previous_limit_money = money_display("previous_limit", gettext_lazy("limit when offered"))
    offered_limit_money = money_display("offered_limit", gettext_lazy("offered limit"))

    def has_add_permission(self, request):
        return request.user.has_perm(MAKE_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_approve_permission(self, request):
        return request.user.has_perm(APPROVE_PERMISSION)

    def has_withdraw_permission(self, request):
        return request.user.has_perm(WITHDRAW_PERMISSION)

    def add_view(self, request, form_url="", extra_context=None):
        """Make an offer: the borrower sees it at once, or after a second approval when large."""
        if not self.has_add_permission(request):
            audit_event_record(
                actor=request.user, action="limit_offer.refused", summary="no permission to offer", request=request
            )
            raise PermissionDenied
        initial = {
            "account": request.GET.get("account", ""),
            "expires_at": timezone.localtime() + offers.OFFER_LIFETIME,
        }
        form = LimitOfferMakeForm(request.POST or None, initial=initial)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                data = form.cleaned_data
                try:
                    offer = offers.limit_offer_staff_make(
                        actor=request.user,
                        account=data["account"],
                        offered_limit=data["offered_limit"],
                        reason_zh=data["reason_zh"],
                        reason_en=data["reason_en"],
                        expires_at=data["expires_at"],
                        request=request,
                    )
                except PortalError as error:
                    error.add_to_form(form)
                    status = error.status_code if error.status_code != 403 else 400
                else:
                    if offer.status == LimitOffer.Status.PENDING_APPROVAL:
                        messages.success(
                            request,
                            _("Offer made. It is above the amount one person may offer: someone else must approve it."),
                        )
                    else:
                        messages.success(request, _("Offer made: the borrower has been told."))
                    return redirect("admin:accounts_limitoffer_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Offer a higher limit"),
            "form": form,
            "opts": self.model._meta,
            "second_approval_above": settings.LIMIT_OFFER_SECOND_APPROVAL_ABOVE,
            "lifetime_days": offers.OFFER_LIFETIME // timedelta(days=1),
        }
        return TemplateResponse(request, "admin/accounts/limit_offer_make.html", context, status=status)

    def _each_offer(self, request, queryset, service, done_message):
        done = 0
        for offer in queryset.order_by("pk"):
            try:
                service(actor=request.user, offer_id=offer.pk, request=request)
            except PortalError as error:
                self.message_user(request, f"{offer.account}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(permissions=["approve"], description=gettext_lazy("Approve the selected offers"))
    def approve_selected(self, request, queryset):
        self._each_offer(request, queryset, offers.limit_offer_approve, _("Offers approved: %(count)s."))

    @admin.action(permissions=["withdraw"], description=gettext_lazy("Withdraw the selected offers"))
    def withdraw_selected(self, request, queryset):
        self._each_offer(request, queryset, offers.limit_offer_withdraw, _("Offers withdrawn: %(count)s."))
