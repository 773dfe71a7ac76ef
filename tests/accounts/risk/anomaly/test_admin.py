"""Risk analysts read yesterday's anomaly reviews with a one-line reason, confirm or dismiss them
with a note (permission-checked, audited, no limit changed), and see each version's precision in
admin and in the daily risk report."""

import pytest
from django.urls import reverse

from accounts.models import AnomalyReview, LimitChange
from accounts.risk.anomaly import selectors
from accounts.risk.services import risk_report_send
from portal.models import AuditEvent, Notification
from tests.accounts.risk.anomaly.support import NOW, AnomalyReviewFactory, trained_version
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return trained_version()


@pytest.fixture
def analyst():
    return StaffFactory(group="Risk analyst", preferred_language="en")


def _decide(client, review, **data):
    return client.post(reverse("admin:accounts_anomalyreview_decide", args=[review.pk]), data)


def test_an_analyst_reads_yesterdays_reviews_each_with_a_one_line_reason(
    client, analyst, version, django_assert_max_num_queries
):
    yesterday = AnomalyReviewFactory.create_batch(3, model_version=version)
    AnomalyReviewFactory(model_version=version, created_at=NOW)  # today's: not in yesterday's list
    client.force_login(analyst)

    with django_assert_max_num_queries(14):
        page = client.get(reverse("admin:accounts_anomalyreview_changelist"), {"opened": "yesterday"})

    assert page.status_code == 200
    assert set(page.context["cl"].result_list) == set(yesterday)
    assert page.content.decode().count("31 draws in 7 days; usually 4") == 3


def test_an_analyst_dismisses_a_false_review_with_a_note_and_it_is_audited(client, analyst, version):
    review = AnomalyReviewFactory(model_version=version)
    client.force_login(analyst)

    response = _decide(client, review, note="Salary advance before a holiday; usual for this borrower.", dismiss="1")

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.reviewed_by, review.review_note) == (
        AnomalyReview.Status.DISMISSED,
        analyst,
        "Salary advance before a holiday; usual for this borrower.",
    )
    event = AuditEvent.objects.get(action="anomaly_review.dismissed")
    assert (event.actor, event.target_id, event.after["status"]) == (analyst, str(review.pk), "dismissed")


def test_confirming_a_real_one_changes_no_limit_and_points_to_the_decision_path(client, analyst, version):
    review = AnomalyReviewFactory(model_version=version)
    ledger = LimitChange.objects.count()
    client.force_login(analyst)

    response = _decide(client, review, note="Cash-out pattern across three days.", confirm="1")

    review.refresh_from_db()
    assert review.status == AnomalyReview.Status.CONFIRMED
    assert AuditEvent.objects.filter(action="anomaly_review.confirmed", actor=analyst).count() == 1
    assert LimitChange.objects.count() == ledger
    page = client.get(response["Location"])
    assert reverse("admin:accounts_creditaccount_change", args=[review.account.pk]) in page.content.decode()


def test_deciding_without_a_note_is_refused_and_changes_nothing(client, analyst, version):
    review = AnomalyReviewFactory(model_version=version)
    client.force_login(analyst)

    response = _decide(client, review, note="  ", confirm="1")

    assert response.status_code == 200
    assert "Write a note saying what you checked" in response.content.decode()
    review.refresh_from_db()
    assert review.status == AnomalyReview.Status.OPEN
    assert not AuditEvent.objects.filter(action__startswith="anomaly_review.").exists()


def test_staff_without_the_permission_cannot_decide(client, version):
    review = AnomalyReviewFactory(model_version=version)
    client.force_login(StaffFactory(group="Supervisor"))

    assert client.get(reverse("admin:accounts_anomalyreview_decide", args=[review.pk])).status_code == 200
    response = _decide(client, review, note="looks fine", dismiss="1")

    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == AnomalyReview.Status.OPEN


def test_precision_per_version_is_shown_in_admin_and_in_the_daily_report(client, analyst, version):
    for status in ("confirmed", "confirmed", "dismissed", "open"):
        AnomalyReviewFactory(model_version=version, status=status)

    assert selectors.anomaly_precision_list() == [
        {
            "version": version.label,
            "status": "active",
            "opened": 4,
            "reviewed": 3,
            "confirmed": 2,
            "precision": 0.667,
        }
    ]
    client.force_login(analyst)
    page = client.get(reverse("admin:accounts_anomalymodelversion_changelist"))
    assert "67% (2 / 3)" in page.content.decode()

    risk_report_send(day=NOW.date())
    notice = Notification.objects.get(recipient=analyst, kind="risk_report")
    assert f"Model {version.label}: 2 confirmed of 3 reviewed" in notice.body
    assert "Anomaly reviews" in notice.email_html


def test_the_risk_report_page_in_admin_shows_the_anomaly_reviews_too(client, analyst, version):
    for status in ("confirmed", "dismissed"):
        AnomalyReviewFactory(model_version=version, status=status)
    client.force_login(analyst)

    page = client.get(reverse("admin:accounts_risk_report")).content.decode()

    assert "Anomaly reviews" in page
    assert "50%" in page
