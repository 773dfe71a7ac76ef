"""/api/v1/appeals/: the borrower's own appeals, through the same services as the web pages."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ClosureRequest, LimitChange
from appeals import selectors, services
from appeals.models import Appeal
from appeals.services.common import STATEMENT_MAX_LENGTH
from portal.api_base import IsIdentityBound, PagePagination, StrictInputSerializer, error_responses
from portal.exceptions import PortalError


class AppealOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Appeal"

    id = serializers.IntegerField()
    reference = serializers.CharField()
    limit_change = serializers.IntegerField(source="limit_change_id", allow_null=True)
    closure_request = serializers.IntegerField(source="closure_request_id", allow_null=True)
    account = serializers.CharField(source="account.external_id")
    grounds = serializers.ChoiceField(choices=Appeal.Grounds.choices)
    statement = serializers.CharField()
    desired_outcome = serializers.ChoiceField(choices=Appeal.DesiredOutcome.choices)
    status = serializers.CharField(
        help_text="submitted, under_review, information_requested, awaiting_approval, decided, second_review, "
        "closed or withdrawn"
    )
    status_label = serializers.CharField(source="get_status_display")
    outcome = serializers.ChoiceField(
        choices=Appeal.Outcome.choices, allow_blank=True, help_text="Empty until decided."
    )
    decision_reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class AppealDetailOutputSerializer(AppealOutputSerializer):
    class Meta:
        ref_name = "AppealDetail"

    class MessageSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AppealMessage"

        from_borrower = serializers.BooleanField()
        body = serializers.CharField()
        created_at = serializers.DateTimeField()

    class EvidenceSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AppealEvidence"

        id = serializers.IntegerField()
        name = serializers.CharField(source="original_name")
        content_type = serializers.CharField()
        size = serializers.IntegerField()
        download_url = serializers.CharField()

    next_step = serializers.CharField()
    messages = MessageSerializer(many=True)
    evidence = EvidenceSerializer(many=True)


class AppealListCreateView(generics.ListAPIView):
    """List your appeals (newest first) or file one against a decision on your account."""

    permission_classes = [IsIdentityBound]
    serializer_class = AppealOutputSerializer
    pagination_class = PagePagination
    # JSON, or multipart when evidence files come along.
    parser_classes = [JSONParser, MultiPartParser]

    class InputSerializer(StrictInputSerializer):
        class Meta:
            ref_name = "AppealCreate"

        limit_change = serializers.IntegerField(
            required=False,
            min_value=1,
            help_text="The ledger row (decision) you appeal. Give this or `closure_request`.",
        )
        closure_request = serializers.IntegerField(
            required=False, min_value=1, help_text="Or: the closure request of yours that we rejected."
        )
        grounds = serializers.ChoiceField(choices=Appeal.Grounds.choices)
        statement = serializers.CharField(
            min_length=1,
            max_length=STATEMENT_MAX_LENGTH,
            # Leading and trailing spaces are trimmed, so a statement needs one visible character.
            validators=[RegexValidator(r"\S", gettext_lazy("This field may not be blank."))],
        )
        desired_outcome = serializers.ChoiceField(choices=Appeal.DesiredOutcome.choices)
        files = serializers.ListField(
            child=serializers.FileField(),
            required=False,
            max_length=settings.APPEAL_EVIDENCE_MAX_FILES,
            help_text="Evidence: PDF, PNG or JPEG files, each at most APPEAL_EVIDENCE_MAX_BYTES (multipart only).",
        )

    class JSONInputSerializer(InputSerializer):
        """The same without evidence files, which only multipart can carry."""

        class Meta:
            ref_name = "AppealCreateWithoutFiles"

        files = None

    def get_queryset(self):
        return selectors.appeal_list(user=self.request.user)

    @extend_schema(responses={200: AppealOutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": InputSerializer, "application/json": JSONInputSerializer},
        responses={
            201: AppealOutputSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                status_400="Invalid input, neither or both of `limit_change` and `closure_request`, a decision that "
                "cannot be appealed (any more), or an evidence file refused (type, size, active content).",
                status_404="No such decision or closure request among yours.",
                status_409="An open appeal against this decision exists already (`appeal_duplicate`).",
            ),
        },
        operation_id="appeals_create",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change_id = data.validated_data.get("limit_change")
        request_id = data.validated_data.get("closure_request")
        if (change_id is None) == (request_id is None):
            raise PortalError(_("Give either the decision (limit_change) or the rejected closure_request you appeal."))
        change = get_object_or_404(LimitChange.objects.for_user(request.user), pk=change_id) if change_id else None
        closure_request = (
            get_object_or_404(ClosureRequest.objects.for_user(request.user), pk=request_id) if request_id else None
        )
        appeal = services.appeal_submit(
            user=request.user,
            limit_change=change,
            closure_request=closure_request,
            grounds=data.validated_data["grounds"],
            statement=data.validated_data["statement"],
            desired_outcome=data.validated_data["desired_outcome"],
            files=data.validated_data.get("files", []),
            request=request,
        )
        return Response(AppealOutputSerializer(appeal).data, status=status.HTTP_201_CREATED)


class AppealDetailView(APIView):
    """One of your appeals with its tracker text, public messages and evidence."""

    permission_classes = [IsIdentityBound]

    @extend_schema(
        responses={200: AppealDetailOutputSerializer, **error_responses(401, 403, 404)}, operation_id="appeals_retrieve"
    )
    def get(self, request, appeal_id):
        appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
        thread = selectors.appeal_thread(appeal=appeal)
        for evidence in thread["evidence"]:
            evidence.download_url = reverse("appeals:evidence", args=[evidence.pk])
        data = {
            **AppealOutputSerializer(appeal).data,
            "next_step": selectors.appeal_tracker(appeal=appeal)["next_step"],
            "messages": AppealDetailOutputSerializer.MessageSerializer(thread["thread_messages"], many=True).data,
            "evidence": AppealDetailOutputSerializer.EvidenceSerializer(thread["evidence"], many=True).data,
        }
        return Response(data)


class AppealWithdrawView(APIView):
    """Withdraw one of your appeals before it is decided."""

    permission_classes = [IsIdentityBound]

    @extend_schema(
        request=None,
        responses={
            200: AppealOutputSerializer,
            **error_responses(401, 403, 404, 409, status_409="The appeal is decided or withdrawn already."),
        },
        operation_id="appeals_withdraw",
    )
    def post(self, request, appeal_id):
        appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
        appeal = services.appeal_withdraw(appeal=appeal, user=request.user, request=request)
        return Response(AppealOutputSerializer(appeal).data)
