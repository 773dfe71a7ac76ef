"""What /api/schema/ promises a client (every status an operation answers, one error body, the
constraints on input) and that the server holds to it: input outside the constraints is a 400,
not quietly accepted."""

import pytest
from rest_framework.test import APIClient

from accounts.closure import services as closure_services
from accounts.models import ClosureRequest
from tests.education.factories import ArticleFactory
from tests.factories import credit_account

pytestmark = pytest.mark.django_db

CODE = "123456"
CLOSURE = {"kind": "lower", "target_limit": "20000", "acknowledged": True, "reason": "no_longer_needed"}
ERROR = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", {"format": "json"}).json()


def component(schema, name):
    return schema["components"]["schemas"][name]


def enum_of(schema, component_name, field):
    return component(schema, component(schema, component_name)["properties"][field]["$ref"].rsplit("/", 1)[1])


def parameter(schema, path, method, name):
    return next(item for item in schema["paths"][path][method]["parameters"] if item["name"] == name)


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/closure-requests/", "post", {"200", "201", "400", "401", "403", "404", "409"}),
        ("/api/v1/closure-requests/{request_id}/submit/", "post", {"200", "400", "401", "403", "404", "409"}),
        ("/api/v1/appeals/", "post", {"201", "400", "401", "403", "404", "409"}),
        ("/api/v1/appeals/", "get", {"200", "401", "403", "404"}),
        ("/api/v1/articles/{slug}/", "get", {"200", "400", "401", "404"}),
        ("/api/v1/notifications/{notification_id}/", "get", {"200", "401", "404"}),
        ("/api/v1/me", "get", {"200", "401"}),
    ],
)
def test_each_operation_documents_every_status_it_answers_with_the_error_body(schema, path, method, statuses):
    responses = schema["paths"][path][method]["responses"]

    assert set(responses) == statuses
    error_statuses = statuses - {"200", "201"}
    assert {responses[status]["content"]["application/json"]["schema"]["$ref"] for status in error_statuses} == {ERROR}


def test_the_integration_api_documents_its_row_errors_and_the_error_body(schema):
    responses = schema["paths"]["/api/integration/v1/accounts/"]["post"]["responses"]

    assert set(responses) == {"200", "400", "401", "403", "409", "413", "415"}
    assert responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/IntegrationUpsertResult")
    assert responses["409"]["content"]["application/json"]["schema"]["$ref"] == ERROR


def test_the_error_body_is_a_component(schema):
    error = schema["components"]["schemas"]["Error"]

    assert set(error["required"]) == {"detail", "code"}
    assert set(error["properties"]) == {"detail", "code", "field_errors"}


def test_the_constraints_the_server_enforces_are_documented(schema):
    key = parameter(schema, "/api/v1/closure-requests/", "post", "Idempotency-Key")
    code = component(schema, "ClosureRequestSubmit")["properties"]["code"]
    statement = component(schema, "AppealCreate")["properties"]["statement"]
    kind = enum_of(schema, "ClosureRequestCreate", "kind")
    language = parameter(schema, "/api/v1/articles/{slug}/", "get", "language")
    answers = component(schema, "QuizAttemptCreate")["properties"]["answers"]
    ids = component(schema, "NotificationReadRequest")["properties"]["ids"]
    page = parameter(schema, "/api/v1/notifications/", "get", "page")

    assert (key["required"], key["schema"]["minLength"], key["schema"]["maxLength"]) == (True, 1, 100)
    assert code["pattern"] == "^[0-9]{6}$"
    assert (statement["minLength"], statement["maxLength"], statement["pattern"]) == (1, 5000, r"\S")
    assert set(kind["enum"]) == {"lower", "pause", "resume", "close"}
    assert set(language["schema"]["enum"]) - {""} == {"zh-hans", "en"}
    assert (answers["minItems"], answers["maxItems"]) == (1, 100)
    assert ids["maxItems"] == 500
    assert page["schema"]["minimum"] == 1


# The server holds to it.


@pytest.fixture
def api(borrower):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(borrower)
    return client


@pytest.fixture
def draft(api, borrower, monkeypatch):
    """A closure draft whose emailed code is ``CODE``."""
    monkeypatch.setattr(closure_services.secrets, "randbelow", lambda _limit: int(CODE))
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    response = api.post(
        "/api/v1/closure-requests/", {**CLOSURE, "account": account.pk}, format="json", HTTP_IDEMPOTENCY_KEY="key-1"
    )
    api.post(f"/api/v1/closure-requests/{response.json()['id']}/verification-code/")
    return ClosureRequest.objects.get(pk=response.json()["id"])


def test_an_unknown_language_is_refused(api):
    article = ArticleFactory()

    response = api.get(f"/api/v1/articles/{article.slug}/", {"language": "fr"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["field_errors"]) == ["language"]


@pytest.mark.parametrize("key", ["k" * 101, "two words", "ключ"])
def test_a_malformed_idempotency_key_is_refused(api, borrower, key):
    account = credit_account(customer=borrower.customer)

    response = api.post(
        "/api/v1/closure-requests/", {**CLOSURE, "account": account.pk}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key")
    assert not ClosureRequest.objects.exists()


def test_a_repeated_key_with_an_invalid_body_is_refused_not_replayed(api, draft):
    response = api.post(
        "/api/v1/closure-requests/",
        {**CLOSURE, "account": draft.account_id, "kind": "shrink"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )

    assert response.status_code == 400
    assert list(response.json()["field_errors"]) == ["kind"]


@pytest.mark.parametrize("code", ["12345", "1234567", "123 456", "12345a", 123456])
def test_a_code_that_is_not_six_digits_is_refused_and_costs_no_attempt(api, draft, code):
    response = api.post(f"/api/v1/closure-requests/{draft.pk}/submit/", {"code": code}, format="json")

    assert response.status_code == 400
    assert list(response.json()["field_errors"]) == ["code"]
    draft.refresh_from_db()
    assert (draft.status, draft.code_failed_attempts) == (ClosureRequest.Status.DRAFT, 0)


def test_the_right_code_submits(api, draft):
    response = api.post(f"/api/v1/closure-requests/{draft.pk}/submit/", {"code": CODE}, format="json")

    assert (response.status_code, response.json()["status"]) == (200, "submitted")


def test_a_malformed_id_is_a_json_404(api):
    response = api.post("/api/v1/closure-requests/null/submit/", {"code": CODE}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_an_empty_page_number_is_a_404_not_the_first_page(api):
    assert api.get("/api/v1/notifications/", {"page": ""}).status_code == 404
