"""Health reports over the API: the borrower's own, list and detail. Thin: a selector and an
output serializer; the figures are the ones the page and the email show."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from education.selectors import reports as selectors
from education.services.reports import health_report_figures
from portal.api_base import IsIdentityBound, PagePagination, error_responses


class HealthReportListView(generics.ListAPIView):
    """The borrower's monthly health reports, newest first (key figures only)."""

    permission_classes = [IsIdentityBound]
    pagination_class = PagePagination

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HealthReportSummary"

        id = serializers.IntegerField()
        month = serializers.DateField()
        grade = serializers.CharField()
        score = serializers.IntegerField(allow_null=True)
        score_change = serializers.IntegerField(allow_null=True)
        utilisation = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
        on_time_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
        currency = serializers.CharField()
        computed_at = serializers.DateTimeField()

    serializer_class = OutputSerializer

    @extend_schema(responses={200: OutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.health_report_list(user=self.request.user).defer("snapshot")


class HealthReportDetailView(APIView):
    """One of the borrower's reports with every figure; another borrower's id is a 404."""

    permission_classes = [IsIdentityBound]

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HealthReport"

        class ScorePointSerializer(serializers.Serializer):
            class Meta:
                ref_name = "HealthReportScorePoint"

            month = serializers.CharField()
            score = serializers.IntegerField()

        class MonthSerializer(serializers.Serializer):
            class Meta:
                ref_name = "HealthReportMonth"

            month = serializers.CharField()
            due = serializers.IntegerField()
            on_time = serializers.IntegerField()

        class AmountSerializer(serializers.Serializer):
            class Meta:
                ref_name = "HealthReportAmount"

            due_date = serializers.DateField()
            amount = serializers.DecimalField(max_digits=12, decimal_places=2)

        class LimitChangeSerializer(serializers.Serializer):
            class Meta:
                ref_name = "HealthReportLimitChange"

            date = serializers.DateField()
            kind = serializers.CharField()
            previous = serializers.DecimalField(max_digits=12, decimal_places=2)
            new = serializers.DecimalField(max_digits=12, decimal_places=2)

        class TipSerializer(serializers.Serializer):
            class Meta:
                ref_name = "HealthReportTip"

            slug = serializers.CharField()
            title = serializers.CharField()
            text = serializers.CharField()
            url = serializers.CharField()

        id = serializers.IntegerField()
        month = serializers.CharField()
        as_of = serializers.DateField()
        currency = serializers.CharField()
        grade = serializers.CharField()
        grade_summary = serializers.CharField()
        grade_reason = serializers.CharField()
        score = serializers.IntegerField(allow_null=True)
        score_change = serializers.IntegerField(allow_null=True)
        score_trend = ScorePointSerializer(many=True)
        credit_limit = serializers.DecimalField(max_digits=14, decimal_places=2)
        balance = serializers.DecimalField(max_digits=14, decimal_places=2)
        utilisation = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
        on_time_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
        due_count = serializers.IntegerField()
        on_time_count = serializers.IntegerField()
        punctuality = MonthSerializer(many=True)
        overdue = AmountSerializer(many=True)
        upcoming = AmountSerializer(many=True)
        upcoming_total = serializers.DecimalField(max_digits=14, decimal_places=2)
        limit_changes = LimitChangeSerializer(many=True)
        appeals = serializers.DictField(child=serializers.IntegerField())
        tips = TipSerializer(many=True)

    @extend_schema(
        responses={200: OutputSerializer, **error_responses(401, 403, 404)}, operation_id="health_report_retrieve"
    )
    def get(self, request, report_id):
        report = selectors.health_report_get(user=request.user, report_id=report_id)
        figures = health_report_figures(report)
        data = {
            **figures,
            "id": report.pk,
            "score_trend": [{"month": month, "score": score} for month, score in figures["score_points"]],
        }
        return Response(self.OutputSerializer(data).data)
