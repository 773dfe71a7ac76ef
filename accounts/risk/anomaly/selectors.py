"""Reads for risk analysts: the reviews a version opened and how often they were right."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import AnomalyModelVersion, AnomalyReview


def anomaly_precision_list(*, version_ids=None):
    """Per model version that opened reviews: reviews opened, reviewed (confirmed or dismissed),
    confirmed, and precision = confirmed / reviewed (None before any was reviewed)."""
    versions = AnomalyModelVersion.objects.annotate(
        opened=Count("reviews"),
        reviewed=Count("reviews", filter=~Q(reviews__status=AnomalyReview.Status.OPEN)),
        confirmed=Count("reviews", filter=Q(reviews__status=AnomalyReview.Status.CONFIRMED)),
    ).filter(opened__gt=0)
    if version_ids is not None:
        versions = versions.filter(pk__in=version_ids)
    return [
        {
            "version": version.label,
            "status": version.status,
            "opened": version.opened,
            "reviewed": version.reviewed,
            "confirmed": version.confirmed,
            "precision": precision(confirmed=version.confirmed, reviewed=version.reviewed),
        }
        for version in versions.order_by("-pk")
    ]


def precision(*, confirmed, reviewed):
    return round(confirmed / reviewed, 3) if reviewed else None


def anomaly_reviews_opened_on(*, day=None):
    """Reviews opened on ``day`` (a local date; default yesterday), newest first."""
    day = day or (timezone.localdate() - timedelta(days=1))
    start = timezone.make_aware(datetime.combine(day, time.min))
    return AnomalyReview.objects.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))


def anomaly_report_get(*, day):
    """What the daily risk report says of anomaly detection: reviews opened on ``day``, reviews
    still open now, and each version's precision."""
    return {
        "opened": anomaly_reviews_opened_on(day=day).count(),
        "open_now": AnomalyReview.objects.open().count(),
        "precision": anomaly_precision_list(),
    }
