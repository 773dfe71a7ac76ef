"""The closure-request API for the mobile app: the same services as the web wizard.

POST creates a draft with the choice, the acknowledgement and the reason (an ``Idempotency-Key``
header is required, so a retried create returns the same request); a borrower without an
authenticator app then asks for an email code; ``submit`` checks the code and submits (a
repeated submit returns the submitted request); ``withdraw`` works during the cooling-off period.
The one-time code is the API's step-up check: token clients have no password session."""

import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.closure import selectors, services
from accounts.credit import selectors as credit_selectors
from accounts.models import ClosureRequest
from portal.api_base import IsIdentityBound, PagePagination, StrictInputSerializer, error_responses
from portal.exceptions import PortalError

# The one-time code of step 4: six digits, from the authenticator app or the email.
CODE_PATTERN = r"^[0-9]{6}$"
# An amount as the API takes it: digits with at most two decimals, e.g. "20000" or "19999.50".
AMOUNT_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"
# A retried create sends the same key: 1 to 100 visible ASCII characters (a UUID fits).
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,100}$"


class ClosureRequestOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ClosureRequest"

    id = serializers.IntegerField()
    reference = serializers.CharField(allow_null=True)
    account = serializers.IntegerField(source="account_id")
    kind = serializers.CharField(help_text="lower, pause, resume or close")
    target_limit = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField(source="account.product.currency")
    reason = serializers.ChoiceField(choices=ClosureRequest.Reason.choices, allow_blank=True)
    reason_text = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=ClosureRequest.Status.choices)
    verified = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    cooling_off_ends_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField(allow_blank=True)

    def get_verified(self, closure_request) -> bool:
        return services.closure_request_steps_done(closure_request) >= 4


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 100, "pattern": IDEMPOTENCY_KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=True,
    description="A unique key per create, 1 to 100 visible ASCII characters (a UUID fits); sending the same "
    "key again returns the request it created (200) instead of creating another.",
)


def idempotency_key_get(request):
    """The create's ``Idempotency-Key`` header, or a 400 when it is missing or malformed."""
    key = request.headers.get("Idempotency-Key", "")
    if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        raise PortalError(
            _("Send an Idempotency-Key header of 1 to 100 visible characters without spaces, for example a UUID."),
            code="idempotency_key",
        )
    return key


@extend_schema_field({"type": "string", "format": "decimal", "pattern": AMOUNT_PATTERN})
class AmountField(serializers.DecimalField):
    """An amount in the currency of the account, as a string (no exponent, no sign, no spaces)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, **kwargs)

    def validate_empty_values(self, data):
        # DRF's DecimalField takes "" for null; here only null is null, and "" is no amount.
        return serializers.Field.validate_empty_values(self, data)

    def to_internal_value(self, data):
        if not (isinstance(data, str) and re.fullmatch(AMOUNT_PATTERN, data)):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "boolean", "enum": [True]})
class AcknowledgedField(serializers.BooleanField):
    """A confirmation: only ``true`` is accepted."""

    def to_internal_value(self, data):
        if not super().to_internal_value(data):
            raise serializers.ValidationError(gettext_lazy("Confirm that you have read what changes."))
        return True


class ClosureRequestListCreateView(generics.ListAPIView):
    """The borrower's own closure requests, newest first; POST starts one."""

    permission_classes = [IsIdentityBound]
    parser_classes = [JSONParser]
    serializer_class = ClosureRequestOutputSerializer
    pagination_class = PagePagination

    class InputSerializer(StrictInputSerializer):
        class Meta:
            ref_name = "ClosureRequestCreate"

        account = serializers.IntegerField(min_value=1)
        # The service then says whether this account allows the choice.
        kind = serializers.ChoiceField(choices=ClosureRequest.Kind.choices)
        target_limit = AmountField(
            required=False,
            allow_null=True,
            default=None,
            help_text="The new limit, only for `lower`: a whole number of the product's steps, below the current one.",
        )
        acknowledged = AcknowledgedField(help_text="The borrower has read what changes (step 2).")
        reason = serializers.ChoiceField(choices=ClosureRequest.Reason.choices)
        reason_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def get_queryset(self):
        return selectors.closure_request_list(user=self.request.user)

    @extend_schema(responses={200: ClosureRequestOutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: ClosureRequestOutputSerializer,
            200: OpenApiResponse(ClosureRequestOutputSerializer, description="The request this key created before."),
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                status_404="No such credit account among yours.",
                status_409="The account already has an open request (`open_request_exists`).",
            ),
        },
    )
    def post(self, request):
        key = idempotency_key_get(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        existing = selectors.closure_request_list(user=request.user).filter(idempotency_key=key).first()
        if existing is not None:
            return Response(ClosureRequestOutputSerializer(existing).data, status=status.HTTP_200_OK)
        values = data.validated_data
        account = credit_selectors.credit_account_get(user=request.user, account_id=values["account"])
        closure_request = services.closure_request_draft_create(
            user=request.user,
            account=account,
            kind=values["kind"],
            target_limit=values["target_limit"],
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

    @extend_schema(
        request=None,
        responses={
            200: ClosureRequestOutputSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                status_400="No code can be sent: the reason is missing, the borrower uses an authenticator app "
                "(`use_totp`), or the most codes for this request were sent (`too_many_codes`).",
                status_409="The request is no longer a draft.",
            ),
        },
        operation_id="closure_request_code_send",
    )
    def post(self, request, request_id):
        closure_request = self.get_closure_request()
        services.closure_verification_code_send(closure_request=closure_request, user=request.user, request=request)
        return self.respond(closure_request)


class ClosureRequestSubmitView(_ClosureRequestActionView):
    """Check the code (authenticator app or email) and submit. Repeating it returns the same
    submitted request."""

    parser_classes = [JSONParser]

    class InputSerializer(StrictInputSerializer):
        class Meta:
            ref_name = "ClosureRequestSubmit"

        code = serializers.CharField(
            required=False,
            trim_whitespace=False,
            validators=[RegexValidator(CODE_PATTERN, gettext_lazy("Enter the 6-digit code."))],
            help_text="The 6-digit code from the authenticator app or the email. Needed until the request is "
            "verified; a repeated submit may leave it out.",
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: ClosureRequestOutputSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                status_400="The code is missing, malformed, wrong (`wrong_code`), expired or used up, or a step "
                "is missing.",
                status_409="The request can no longer be submitted (withdrawn, expired or completed).",
            ),
        },
        operation_id="closure_request_submit",
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
                closure_request=closure_request,
                user=request.user,
                code=data.validated_data.get("code", ""),
                request=request,
            )
        closure_request = services.closure_request_submit(
            closure_request=closure_request, user=request.user, request=request
        )
        return self.respond(closure_request)


class ClosureRequestWithdrawView(_ClosureRequestActionView):
    """Withdraw a submitted request during its cooling-off period."""

    @extend_schema(
        request=None,
        responses={
            200: ClosureRequestOutputSerializer,
            **error_responses(401, 403, 404, 409, status_409="The request is not in its cooling-off period any more."),
        },
        operation_id="closure_request_withdraw",
    )
    def post(self, request, request_id):
        closure_request = self.get_closure_request()
        services.closure_request_withdraw(closure_request=closure_request, user=request.user, request=request)
        return self.respond(closure_request)
