"""The borrower's credit accounts and their limit history, for the mobile app."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, views
from rest_framework.response import Response

from accounts.credit import offers, selectors
from accounts.models import CreditAccount, LimitChange, LimitOffer
from accounts.risk.records import limit_change_records_for_borrower
from portal.api_base import IsIdentityBound, PagePagination, error_responses


class CreditAccountListView(generics.ListAPIView):
    """The borrower's own credit accounts."""

    permission_classes = [IsIdentityBound]
    pagination_class = PagePagination

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CreditAccount"

        id = serializers.IntegerField()
        external_id = serializers.CharField()
        product = serializers.CharField(source="product.name")
        currency = serializers.CharField(source="product.currency")
        credit_limit = serializers.DecimalField(max_digits=12, decimal_places=2)
        available_credit = serializers.DecimalField(max_digits=12, decimal_places=2)
        outstanding_balance = serializers.DecimalField(max_digits=12, decimal_places=2)
        status = serializers.ChoiceField(choices=CreditAccount.Status.choices)
        opened_at = serializers.DateTimeField()

    serializer_class = OutputSerializer

    @extend_schema(responses={200: OutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.credit_account_list(user=self.request.user)


class LimitChangeListView(generics.ListAPIView):
    """The ledger of one of the borrower's accounts, newest first, with reasons spelled out."""

    permission_classes = [IsIdentityBound]
    pagination_class = PagePagination

    class ReasonSerializer(serializers.Serializer):
        class Meta:
            ref_name = "LimitChangeReason"

        code = serializers.CharField()
        title = serializers.CharField()
        explanation = serializers.CharField()
        remedy = serializers.CharField()

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "LimitChange"

        sequence = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=LimitChange.Kind.choices)
        previous_limit = serializers.DecimalField(max_digits=12, decimal_places=2)
        new_limit = serializers.DecimalField(max_digits=12, decimal_places=2)
        # Strings rather than two more enums of the account statuses (one enum name per choice set).
        previous_status = serializers.CharField(help_text="An account status, as in `CreditAccount.status`.")
        new_status = serializers.CharField(help_text="An account status, as in `CreditAccount.status`.")
        decided_by = serializers.ChoiceField(choices=LimitChange.DecidedBy.choices)
        effective_at = serializers.DateTimeField()
        appeal_deadline = serializers.DateTimeField(allow_null=True)
        reasons = serializers.SerializerMethodField()
        record = serializers.SerializerMethodField(
            help_text="The decision record the borrower may see: the policy version, each rule that fired "
            "with the borrower's own figures, and the signals read (issue 16)."
        )

        @extend_schema(responses=None)
        def get_reasons(self, change) -> list[dict]:
            return LimitChangeListView.ReasonSerializer(change.reasons, many=True).data

        def get_record(self, change) -> dict:
            return self.context["records"].get(change.pk, {})

    serializer_class = OutputSerializer

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.records = limit_change_records_for_borrower(page if page is not None else queryset)
        return page

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "records": getattr(self, "records", {})}

    @extend_schema(responses={200: OutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        account = selectors.credit_account_get(user=self.request.user, account_id=self.kwargs["account_id"])
        return selectors.limit_change_list(user=self.request.user, account=account)


# offers of a higher limit.
class LimitOfferSerializer(serializers.Serializer):
    class Meta:
        ref_name = "LimitOffer"

    id = serializers.IntegerField()
    account_id = serializers.IntegerField()
    account_external_id = serializers.CharField(source="account.external_id")
    currency = serializers.CharField(source="account.product.currency")
    previous_limit = serializers.DecimalField(max_digits=12, decimal_places=2)
    offered_limit = serializers.DecimalField(max_digits=12, decimal_places=2)
    reason = serializers.CharField(help_text="Why we offer it, in the language asked for.")
    expires_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=LimitOffer.Status.choices)
    answered_at = serializers.DateTimeField(allow_null=True)


class LimitOfferListView(generics.ListAPIView):
    """The borrower's open offers of a higher limit. Nothing changes unless one is accepted."""

    permission_classes = [IsIdentityBound]
    pagination_class = PagePagination
    serializer_class = LimitOfferSerializer

    @extend_schema(responses={200: LimitOfferSerializer, **error_responses(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.limit_offers_open_list(user=self.request.user).order_by("-created_at", "-pk")


class LimitOfferAnswerView(views.APIView):
    """Accept (the limit rises now, with the offer as consent) or decline an open offer."""

    permission_classes = [IsIdentityBound]
    answer = None

    @extend_schema(
        request=None,
        responses={
            200: LimitOfferSerializer,
            **error_responses(
                401, 403, 404, status_409="The offer was already answered, withdrawn or has expired: nothing changed."
            ),
        },
    )
    def post(self, request, offer_id):
        offer = get_object_or_404(LimitOffer.objects.for_user(request.user), pk=offer_id)
        answer = offers.limit_offer_accept if self.answer == "accept" else offers.limit_offer_decline
        offer = answer(
            user=request.user,
            account_id=offer.account_id,
            offer_id=offer.pk,
            channel=LimitOffer.Channel.API,
            request=request,
        )
        return Response(LimitOfferSerializer(offer).data)
