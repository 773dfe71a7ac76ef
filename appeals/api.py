"""/api/v1/appeals/: the borrower's own appeals, through the same services as the web pages."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ClosureRequest, LimitChange
from appeals import selectors, services
from appeals.models import Appeal
from portal.api_base import IsIdentityBound
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
    outcome = serializers.CharField()
    decision_reason = serializers.CharField()
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
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AppealCreate"

        limit_change = serializers.IntegerField(required=False, help_text="The ledger row (decision) you appeal.")
        closure_request = serializers.IntegerField(
            required=False, help_text="Or: the closure request of yours that we rejected."
        )
        grounds = serializers.ChoiceField(choices=Appeal.Grounds.choices)
        statement = serializers.CharField(max_length=5000)
        desired_outcome = serializers.ChoiceField(choices=Appeal.DesiredOutcome.choices)
        files = serializers.ListField(child=serializers.FileField(), required=False, max_length=5)

    def get_queryset(self):
        return selectors.appeal_list(user=self.request.user)

    @extend_schema(request=InputSerializer, responses={201: AppealOutputSerializer}, operation_id="appeals_create")
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

    @extend_schema(responses=AppealDetailOutputSerializer, operation_id="appeals_retrieve")
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

    @extend_schema(request=None, responses=AppealOutputSerializer, operation_id="appeals_withdraw")
    def post(self, request, appeal_id):
        appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
        appeal = services.appeal_withdraw(appeal=appeal, user=request.user, request=request)
        return Response(AppealOutputSerializer(appeal).data)
