"""Monthly health reports: figures, the monthly run and its emails (once each), pages and API."""

from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.urls import reverse

from education import tasks
from education.models import HealthReport
from education.services import reports as services
from portal import services as portal_services
from portal.tasks import notification_outbox_flush
from tests.education.conftest import OCTOBER, borrower_with_history
from tests.education.factories import CommunicationPreferenceFactory, HealthReportFactory
from tests.factories import BorrowerFactory

pytestmark = pytest.mark.django_db


def test_report_holds_the_figures_computed_from_the_borrowers_data(history_borrower):
    services.health_reports_chunk_process(user_ids=[history_borrower.pk], month=OCTOBER)

    report = HealthReport.objects.get(user=history_borrower, month=OCTOBER)
    assert (report.score, report.score_change) == (684, -58)
    assert report.utilisation == Decimal("0.2400")
    assert report.on_time_rate == Decimal("0.9167")
    assert report.grade == "C"
    assert report.snapshot["reason"] == "score_falling"
    assert report.snapshot["tips"] == ["repaying-on-time", "what-moves-a-credit-score", "budgeting-basics"]
    assert report.snapshot["upcoming"] == [{"due_date": "2026-11-10", "amount": "800.00"}]
    assert len(report.snapshot["score_points"]) == 12
    assert report.snapshot["punctuality"][-2] == ["2026-09", 1, 0]


def test_monthly_run_twice_makes_each_report_and_email_once(run_clock):
    borrowers = [borrower_with_history(), borrower_with_history(), BorrowerFactory()]

    tasks.health_reports_monthly.delay()
    tasks.health_reports_monthly.delay()

    assert HealthReport.objects.filter(month=OCTOBER).count() == 3
    assert sorted(message.to[0] for message in mail.outbox) == sorted(borrower.email for borrower in borrowers)
    assert set(HealthReport.objects.values_list("email_status", flat=True)) == {"sent"}


def test_a_chunk_that_crashes_midway_and_is_retried_sends_nobody_twice(run_clock):
    borrowers = [borrower_with_history() for _ in range(3)]
    ids = [borrower.pk for borrower in borrowers]
    real_message, calls = portal_services._email_message, []

    def crash_on_second_message(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise ConnectionError("worker lost")
        return real_message(*args, **kwargs)

    with mock.patch.object(portal_services, "_email_message", crash_on_second_message):
        tasks.health_reports_chunk.delay(ids, OCTOBER.isoformat())
    tasks.health_reports_chunk.delay(ids, OCTOBER.isoformat())
    run_clock.shift(3600)  # past the failed send's backoff: the outbox sweep sends it
    notification_outbox_flush.delay()
    notification_outbox_flush.delay()

    assert sorted(message.to[0] for message in mail.outbox) == sorted(borrower.email for borrower in borrowers)
    assert HealthReport.objects.count() == 3


def test_report_email_off_means_no_email_but_the_page_is_there(run_clock, client):
    borrower = borrower_with_history()
    CommunicationPreferenceFactory(user=borrower, report_emails=False)

    tasks.health_reports_chunk.delay([borrower.pk], OCTOBER.isoformat())

    report = HealthReport.objects.get(user=borrower)
    assert report.email_status == "skipped"
    assert mail.outbox == []
    client.force_login(borrower)
    assert client.get(reverse("health_report_detail", args=[report.pk])).status_code == 200


def test_email_has_text_and_html_with_the_figures_of_the_page(run_clock, client):
    borrower = borrower_with_history(preferred_language="en")
    tasks.health_reports_chunk.delay([borrower.pk], OCTOBER.isoformat())
    report = HealthReport.objects.get(user=borrower)

    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert "financial health report for 2026-10" in message.subject
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "<svg" not in html and "<img" not in html
    assert '<html lang="en">' in html
    client.force_login(borrower)
    page = client.get(reverse("health_report_detail", args=[report.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for figure in ("684", "-58", "24%", "¥12,000.00", "¥50,000.00", "11 of 12", "¥800.00", "/learn/repaying-on-time/"):
        assert figure in message.body
        assert figure in html
        assert figure in page


def test_email_is_in_the_borrowers_language(run_clock):
    borrower = borrower_with_history(preferred_language="zh-hans")

    tasks.health_reports_chunk.delay([borrower.pk], OCTOBER.isoformat())

    assert '<html lang="zh-Hans">' in mail.outbox[0].alternatives[0][0]


def test_report_list_is_own_newest_first_with_bounded_queries(client, borrower, django_assert_max_num_queries):
    for month in range(1, 13):
        HealthReportFactory(user=borrower, month=OCTOBER.replace(month=month))
    HealthReportFactory()  # someone else's
    client.force_login(borrower)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("health_report_list"))

    reports = list(response.context["page"].object_list)
    assert len(reports) == 12
    assert reports[0].month.month == 12


def test_someone_elses_report_is_not_found(client, borrower):
    other = HealthReportFactory()
    client.force_login(borrower)

    assert client.get(reverse("health_report_detail", args=[other.pk])).status_code == 404


def test_latest_opens_the_newest_report(client, borrower):
    HealthReportFactory(user=borrower, month=OCTOBER.replace(month=9))
    newest = HealthReportFactory(user=borrower, month=OCTOBER)
    client.force_login(borrower)

    response = client.get(reverse("health_report_latest"))

    assert response.url == reverse("health_report_detail", args=[newest.pk])


def test_report_page_has_charts_with_text_alternatives(history_borrower, client):
    report = services.health_report_generate(user=history_borrower, month=OCTOBER)
    client.force_login(history_borrower)

    page = client.get(reverse("health_report_detail", args=[report.pk])).content.decode()

    assert page.count("<svg") == 3
    assert page.count("<details") == 3
    assert page.count("<h1") == 1
    stylesheet = Path(finders.find("portal/portal.css")).read_text()
    assert "@media print" in stylesheet and ".health-report details" in stylesheet


def test_dashboard_shows_the_latest_grade(client, borrower):
    report = HealthReportFactory(user=borrower)
    client.force_login(borrower)

    page = client.get(reverse("dashboard")).content.decode()

    assert reverse("health_report_detail", args=[report.pk]) in page


def test_api_lists_own_reports_with_bounded_queries(client, borrower, django_assert_max_num_queries):
    for month in range(1, 11):
        HealthReportFactory(user=borrower, month=OCTOBER.replace(month=month))
    HealthReportFactory()
    client.force_login(borrower)

    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/health-reports/")

    assert response.status_code == 200
    assert response.json()["count"] == 10


def test_api_detail_has_the_figures_and_hides_others_reports(history_borrower, client):
    report = services.health_report_generate(user=history_borrower, month=OCTOBER)
    other = HealthReportFactory()
    client.force_login(history_borrower)

    data = client.get(f"/api/v1/health-reports/{report.pk}/").json()

    assert (data["score"], data["utilisation"], data["on_time_rate"], data["grade"]) == (684, "0.2400", "0.9167", "C")
    assert [tip["url"] for tip in data["tips"]][0] == "/learn/repaying-on-time/"
    assert client.get(f"/api/v1/health-reports/{other.pk}/").status_code == 404
