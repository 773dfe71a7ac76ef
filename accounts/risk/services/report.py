"""The daily risk report, sent to the risk analysts."""

from django.db import transaction

from accounts.models import User
from accounts.risk.selectors import risk_report_get
from portal.services import notification_send

RISK_ANALYSTS = "Risk analyst"


def risk_report_send(*, day=None):
    """Email the daily risk report to every active member of the Risk analyst group, once."""
    report = risk_report_get(day=day)
    analysts = User.objects.filter(groups__name=RISK_ANALYSTS, is_active=True).distinct()
    sent = 0
    for analyst in analysts:
        with transaction.atomic():
            notification_send(
                recipient=analyst,
                kind="risk_report",
                template="risk_report",
                context={"report": report},
                link="/admin/risk-report/",
                idempotency_key=f"risk-report:{report['day']:%Y-%m-%d}:{analyst.pk}",
            )
        sent += 1
    return sent
