"""Repayment options for the mobile app: the same services as the pages, one input and one output
serializer per endpoint. A quote is asked for first and confirmed by its reference, as on the web."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status, views
from rest_framework.response import Response

from accounts.credit import selectors as credit_selectors
from accounts.models import RepaymentInstruction
from accounts.repayment import schedule, selectors, services
from portal.api_base import IsIdentityBound, PagePagination, StrictInputSerializer, error_responses


class RepaymentInstructionSerializer(serializers.Serializer):
    class Meta:
        ref_name = "RepaymentInstruction"

    class ScheduleRowSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RepaymentScheduleRow"

        due_date = serializers.DateField()
        amount_due = serializers.DecimalField(max_digits=12, decimal_places=2)

    reference = serializers.UUIDField()
    account_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RepaymentInstruction.Kind.choices)
    status = serializers.ChoiceField(choices=RepaymentInstruction.Status.choices)
    parameters = serializers.DictField(help_text="What was asked: amount, due_day, enabled, mode and months.")
    proposed_schedule = ScheduleRowSerializer(source="proposed_rows", many=True)
    decision_note = serializers.CharField()
    core_detail = serializers.CharField(help_text="The lender's answer, when it gave one.")
    requested_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class RepaymentQuoteSerializer(serializers.Serializer):
    class Meta:
        ref_name = "RepaymentQuote"

    reference = serializers.UUIDField()
    full = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    principal = serializers.DecimalField(max_digits=12, decimal_places=2)
    accrued_interest = serializers.DecimalField(max_digits=12, decimal_places=2)
    owed_today = serializers.DecimalField(max_digits=12, decimal_places=2)
    interest_saved = serializers.DecimalField(max_digits=12, decimal_places=2)
    valid_until = serializers.DateTimeField()


def _account(request, account_id):
    return credit_selectors.credit_account_get(user=request.user, account_id=account_id)


def _created(instruction):
    return Response(RepaymentInstructionSerializer(instruction).data, status=status.HTTP_201_CREATED)


REFUSED = error_responses(400, 401, 403, 404, status_409="A rule refused the instruction: nothing changed.")


class RepaymentInstructionListView(generics.ListAPIView):
    """The account's repayment instructions, newest first."""

    permission_classes = [IsIdentityBound]
    pagination_class = PagePagination
    serializer_class = RepaymentInstructionSerializer

    @extend_schema(responses={200: RepaymentInstructionSerializer, **error_responses(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        account = _account(self.request, self.kwargs["account_id"])
        return selectors.repayment_instruction_list(user=self.request.user, account=account)


class RepaymentQuoteCreateView(views.APIView):
    """An exact early-repayment quote: everything owed (no amount) or a part of it."""

    permission_classes = [IsIdentityBound]

    class InputSerializer(StrictInputSerializer):
        class Meta:
            ref_name = "RepaymentQuoteInput"

        amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: RepaymentQuoteSerializer, **REFUSED})
    def post(self, request, account_id):
        account = _account(request, account_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = services.early_repayment_quote(
            user=request.user, account_id=account.pk, amount=data.validated_data.get("amount"), request=request
        )
        return Response(RepaymentQuoteSerializer(quote).data, status=status.HTTP_201_CREATED)


class EarlyRepaymentCreateView(views.APIView):
    """Confirm a quote: the instruction goes to the lender. A quote past its validity is refused."""

    permission_classes = [IsIdentityBound]

    class InputSerializer(StrictInputSerializer):
        class Meta:
            ref_name = "EarlyRepaymentInput"

        quote_reference = serializers.UUIDField()

    @extend_schema(request=InputSerializer, responses={201: RepaymentInstructionSerializer, **REFUSED})
    def post(self, request, account_id):
        account = _account(request, account_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = selectors.repayment_quote_get(
            user=request.user, account=account, reference=data.validated_data["quote_reference"]
        )
        return _created(
            services.early_repayment_request(
                user=request.user, account_id=account.pk, quote_reference=quote.reference, request=request
            )
        )


class DueDayChangeCreateView(views.APIView):
    """Move the due day (1–28, once in 12 months)."""

    permission_classes = [IsIdentityBound]

    class InputSerializer(StrictInputSerializer):
        class Meta:
            ref_name = "DueDayChangeInput"

        due_day = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: RepaymentInstructionSerializer, **REFUSED})
    def post(self, request, account_id):
        account = _account(request, account_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _created(
            services.due_day_change_request(
                user=request.user, account_id=account.pk, due_day=data.validated_data["due_day"], request=request
            )
        )


class AutopayCreateView(views.APIView):
    """Turn automatic repayment on or off (from the account the lender reported)."""

    permission_classes = [IsIdentityBound]

    class InputSerializer(StrictInputSerializer):
        class Meta:
            ref_name = "AutopayInput"

        enabled = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses={201: RepaymentInstructionSerializer, **REFUSED})
    def post(self, request, account_id):
        account = _account(request, account_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _created(
            services.autopay_set(
                user=request.user, account_id=account.pk, enabled=data.validated_data["enabled"], request=request
            )
        )


class HardshipCreateView(views.APIView):
    """Ask for a hardship plan (evidence files are sent on the web page)."""

    permission_classes = [IsIdentityBound]

    class InputSerializer(StrictInputSerializer):
        class Meta:
            ref_name = "HardshipInput"

        mode = serializers.ChoiceField(choices=[schedule.LOWER_PAYMENTS, schedule.LONGER_TERM])
        months = serializers.IntegerField()
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses={201: RepaymentInstructionSerializer, **REFUSED})
    def post(self, request, account_id):
        account = _account(request, account_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _created(
            services.hardship_request(user=request.user, account_id=account.pk, request=request, **data.validated_data)
        )


class HardshipAnswerView(views.APIView):
    """Accept the offered schedule (it goes to the lender) or decline it."""

    permission_classes = [IsIdentityBound]
    answer = None

    @extend_schema(request=None, responses={200: RepaymentInstructionSerializer, **REFUSED})
    def post(self, request, account_id, reference):
        account = _account(request, account_id)
        instruction = selectors.repayment_instruction_get(user=request.user, account=account, reference=reference)
        instruction = services.hardship_answer(
            user=request.user,
            account_id=account.pk,
            reference=instruction.reference,
            accept=self.answer == "accept",
            request=request,
        )
        return Response(RepaymentInstructionSerializer(instruction).data)
