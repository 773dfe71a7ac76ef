"""/api/v1/appeals/: the same rules as the web pages."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from appeals.models import Appeal
from tests.appeals.conftest import file_appeal, pdf, reduction

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(borrower):
    client = APIClient()
    client.force_authenticate(borrower)
    return client


def test_create_list_detail_and_withdraw(api, decision):
    response = api.post(
        reverse("api-v1:appeal-list"),
        {
            "limit_change": decision.pk,
            "grounds": "hardship_over",
            "statement": "I have a new job.",
            "desired_outcome": "restore",
            "files": [pdf()],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.data
    appeal_id = response.data["id"]
    assert response.data["reference"].startswith("AP-")
    assert api.get(reverse("api-v1:appeal-list")).data["count"] == 1
    detail = api.get(reverse("api-v1:appeal-detail", args=[appeal_id])).data
    assert detail["next_step"]
    assert detail["evidence"][0]["download_url"]
    response = api.post(reverse("api-v1:appeal-withdraw", args=[appeal_id]))
    assert response.data["status"] == "withdrawn"


def test_duplicate_and_empty_statement_are_refused(api, appeal, decision):
    payload = {"limit_change": decision.pk, "grounds": "other", "statement": "Again.", "desired_outcome": "restore"}
    response = api.post(reverse("api-v1:appeal-list"), payload, format="json")
    assert response.status_code == 409
    assert appeal.reference in response.data["detail"]
    response = api.post(reverse("api-v1:appeal-list"), {**payload, "statement": ""}, format="json")
    assert response.status_code == 400
    assert Appeal.objects.count() == 1


def test_another_borrowers_appeal_is_404(other_borrower, appeal, decision):
    client = APIClient()
    client.force_authenticate(other_borrower)
    assert client.get(reverse("api-v1:appeal-detail", args=[appeal.pk])).status_code == 404
    assert client.post(reverse("api-v1:appeal-withdraw", args=[appeal.pk])).status_code == 404
    payload = {"limit_change": decision.pk, "grounds": "other", "statement": "Mine?", "desired_outcome": "restore"}
    assert client.post(reverse("api-v1:appeal-list"), payload, format="json").status_code == 404
    assert client.get(reverse("api-v1:appeal-list")).data["count"] == 0


def test_withdrawing_a_decided_appeal_is_a_conflict(api, borrower, assigned, reviewer):
    from appeals.services import appeal_decide

    appeal_decide(appeal=assigned, actor=reviewer, outcome="upheld", reason="No.")
    assert api.post(reverse("api-v1:appeal-withdraw", args=[assigned.pk])).status_code == 409


def test_list_query_count_is_bounded(api, borrower, django_assert_max_num_queries):
    for _ in range(5):
        file_appeal(borrower, reduction(borrower.customer))
    with django_assert_max_num_queries(6):
        response = api.get(reverse("api-v1:appeal-list"))
    assert response.data["count"] == 5
