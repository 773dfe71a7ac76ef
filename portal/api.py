"""The notification centre's API: the signed-in person's notices, mounted by portal/api_urls.py."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import selectors, services
from portal.api_base import PagePagination, StrictInputSerializer, error_responses

# Most ids one call may mark read.
READ_IDS_MAX = 500


class NotificationOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Notification"

    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationListView(generics.ListAPIView):
    """The signed-in person's notices, newest first."""

    serializer_class = NotificationOutputSerializer
    pagination_class = PagePagination

    @extend_schema(responses={200: NotificationOutputSerializer, **error_responses(401, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)


class NotificationDetailView(APIView):
    """One of the signed-in person's notices; reading it marks it read, as the page does. Another
    person's notice answers 404, as a missing one does."""

    @extend_schema(
        responses={200: NotificationOutputSerializer, **error_responses(401, 404)},
        operation_id="notifications_retrieve",
    )
    def get(self, request, notification_id):
        notice = get_object_or_404(selectors.notification_list(user=request.user), pk=notification_id)
        if notice.read_at is None:
            services.notification_mark_read(user=request.user, notification_ids=[notice.pk])
            notice.refresh_from_db(fields=["read_at"])
        return Response(NotificationOutputSerializer(notice).data)


class NotificationReadView(APIView):
    """Mark notices read: the given ids, or all of them when none are given."""

    parser_classes = [JSONParser]

    class InputSerializer(StrictInputSerializer):
        class Meta:
            ref_name = "NotificationReadRequest"

        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            max_length=READ_IDS_MAX,
            help_text="The notices to mark read; leave it out to mark all of them.",
        )

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "NotificationReadResult"

        marked = serializers.IntegerField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403)},
        operation_id="notifications_read",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notification_mark_read(user=request.user, notification_ids=data.validated_data.get("ids"))
        return Response(self.OutputSerializer({"marked": marked}).data)
