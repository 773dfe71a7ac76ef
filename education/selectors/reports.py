"""Reads for health reports, always scoped to the borrower who asks."""

from django.shortcuts import get_object_or_404

from education.models import HealthReport


def health_report_list(*, user):
    """The borrower's own reports, newest first (an unbound login has none)."""
    return HealthReport.objects.for_user(user).order_by("-month", "-pk")


def health_report_get(*, user, report_id):
    """One of the borrower's own reports; another borrower's (or a guessed id) is a 404."""
    return get_object_or_404(health_report_list(user=user), pk=report_id)


def health_report_latest(*, user):
    return health_report_list(user=user).first()
