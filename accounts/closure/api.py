"""The closure-request API for the mobile app: the same services as the web wizard.

POST creates a draft with the choice, the acknowledgement and the reason (an ``Idempotency-Key``
header is required, so a retried create returns the same request); a borrower without an
authenticator app then asks for an email code; ``submit`` checks the code and submits (a
repeated submit returns the submitted request); ``withdraw`` works during the cooling-off period.
The one-time code is the API's step-up check: token clients have no password session."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.closure import selectors, services
from accounts.credit import selectors as credit_selectors
from accounts.models import ClosureRequest
from portal.api_base import IsIdentityBound
from portal.exceptions import PortalError


class ClosureRequestOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ClosureRequest"

    id = serializers.IntegerField()
    reference = serializers.CharField(allow_null=True)
    account = serializers.IntegerField(source="account_id")
    kind = serializers.CharField(help_text="lower, pause, resume or close")
    target_limit = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField(source="account.product.currency")
    reason = serializers.CharField()
    reason_text = serializers.CharField()
    status = serializers.ChoiceField(choices=ClosureRequest.Status.choices)
    verified = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    cooling_off_ends_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()

    def get_verified(self, closure_request) -> bool:
        return services.closure_request_steps_done(closure_request) >= 4


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, description="A unique key per create"
)


class ClosureRequestListCreateView(generics.ListAPIView):
    """The borrower's own closure requests, newest first; POST starts one."""

    permission_classes = [IsIdentityBound]
    serializer_class = ClosureRequestOutputSerializer

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ClosureRequestCreate"

        account = serializers.IntegerField()
        # Checked by the service, which says which choices this account allows.
        kind = serializers.CharField(help_text="lower, pause, resume or close")
        target_limit = serializers.CharField(required=False, allow_blank=True, default="")
        acknowledged = serializers.BooleanField(help_text="The borrower has read what changes (step 2).")
        reason = serializers.ChoiceField(choices=ClosureRequest.Reason.choices)
        reason_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

        def validate_acknowledged(self, value):
            if not value:
                raise serializers.ValidationError("Confirm that the borrower has read what changes.")
            return value

    def get_queryset(self):
        return selectors.closure_request_list(user=self.request.user)

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ClosureRequestOutputSerializer, 200: ClosureRequestOutputSerializer},
    )
    def post(self, request):
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key or len(key) > 100:
            raise PortalError(_("Send an Idempotency-Key header (at most 100 characters)."), code="idempotency_key")
        existing = selectors.closure_request_list(user=request.user).filter(idempotency_key=key).first()
        if existing is not None:
            return Response(ClosureRequestOutputSerializer(existing).data, status=status.HTTP_200_OK)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        account = credit_selectors.credit_account_get(user=request.user, account_id=values["account"])
        closure_request = services.closure_request_draft_create(
            user=request.user,
            account=account,
            kind=values["kind"],
            target_limit=values["target_limit"] or None,
            idempotency_key=key,
            request=request,
        )
        services.closure_request_impact_acknowledge(closure_request=closure_request, user=request.user)
        services.closure_request_reason_set(
            closure_request=closure_request,
            user=request.user,
            reason=values["reason"],
            reason_text=values["reason_text"],
            request=request,
        )
        closure_request.refresh_from_db()
        return Response(ClosureRequestOutputSerializer(closure_request).data, status=status.HTTP_201_CREATED)


class _ClosureRequestActionView(APIView):
    permission_classes = [IsIdentityBound]

    def get_closure_request(self):
        return selectors.closure_request_get(user=self.request.user, closure_request_id=self.kwargs["request_id"])

    def respond(self, closure_request):
        closure_request.refresh_from_db()
        return Response(ClosureRequestOutputSerializer(closure_request).data)


class ClosureRequestCodeView(_ClosureRequestActionView):
    """Email a 6-digit code (for borrowers without an authenticator app)."""

    @extend_schema(request=None, responses=ClosureRequestOutputSerializer, operation_id="closure_request_code_send")
    def post(self, request, request_id):
        closure_request = self.get_closure_request()
        services.closure_verification_code_send(closure_request=closure_request, user=request.user, request=request)
        return self.respond(closure_request)


class ClosureRequestSubmitView(_ClosureRequestActionView):
    """Check the code (authenticator app or email) and submit. Repeating it returns the same
    submitted request."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ClosureRequestSubmit"

        code = serializers.CharField(required=False, allow_blank=True, default="", max_length=12)

    @extend_schema(
        request=InputSerializer, responses=ClosureRequestOutputSerializer, operation_id="closure_request_submit"
    )
    def post(self, request, request_id):
        closure_request = self.get_closure_request()
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if (
            closure_request.status == ClosureRequest.Status.DRAFT
            and services.closure_request_steps_done(closure_request) < 4
        ):
            services.closure_request_verify(
                closure_request=closure_request, user=request.user, code=data.validated_data["code"], request=request
            )
        closure_request = services.closure_request_submit(
            closure_request=closure_request, user=request.user, request=request
        )
        return self.respond(closure_request)


class ClosureRequestWithdrawView(_ClosureRequestActionView):
    """Withdraw a submitted request during its cooling-off period."""

    @extend_schema(request=None, responses=ClosureRequestOutputSerializer, operation_id="closure_request_withdraw")
    def post(self, request, request_id):
        closure_request = self.get_closure_request()
        services.closure_request_withdraw(closure_request=closure_request, user=request.user, request=request)
        return self.respond(closure_request)
