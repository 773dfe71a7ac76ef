"""Issue 21, finding 5: the integration schema says what the server does (only JSON bodies, no
empty strings or negative amounts where the validator refuses them, the Idempotency-Key header),
and every error answers JSON in a documented shape: parse errors, over-large bodies, too many
fields, other media types and unknown paths."""

import re

import pytest

from tests.accounts.integration.support import ENDPOINTS, VALID_ROWS

pytestmark = pytest.mark.django_db

URL = "/api/integration/v1/balances/"


_SCHEMA = {}


@pytest.fixture
def schema(client):
    if not _SCHEMA:  # built once: the schema does not change between these tests
        _SCHEMA.update(client.get("/api/schema/", {"format": "json"}).json())
    return _SCHEMA


def _row_schema(schema, endpoint):
    operation = schema["paths"][f"/api/integration/v1/{endpoint}/"]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    row = schema["components"]["schemas"][request]["properties"]["rows"]["items"]["$ref"].rsplit("/", 1)[1]
    return schema["components"]["schemas"][row]


def _matches(property_schema, value):
    """Whether a JSON string ``value`` fits the property (ECMA patterns here read the same in Python)."""
    options = property_schema.get("oneOf", [property_schema])
    return any(
        option.get("type") == "string"
        and re.search(option.get("pattern", ""), value)
        and len(value) <= option.get("maxLength", len(value))
        for option in options
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_operation_takes_json_only_and_documents_every_error_and_the_key(schema, endpoint):
    operation = schema["paths"][f"/api/integration/v1/{endpoint}/"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json"}
    assert {"400", "401", "403", "409", "413", "415"} <= set(operation["responses"])
    for status in ("401", "403", "409", "413", "415"):
        assert operation["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/IntegrationUpsertResult"
    )
    (key,) = [parameter for parameter in operation["parameters"] if parameter["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and not key.get("required", False)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_required_text_refuses_blank_and_control_characters_in_the_schema_too(schema, endpoint):
    row = _row_schema(schema, endpoint)
    texts = [name for name in row["required"] if "pattern" in row["properties"][name]]
    assert texts
    for name in texts:
        assert _matches(row["properties"][name], "ACC-1")
        for refused in ("", "   ", "A\x00B", "A\nB"):
            assert not _matches(row["properties"][name], refused), (name, refused)


@pytest.mark.parametrize(
    ("endpoint", "name"),
    [
        ("accounts", "credit_limit"),
        ("accounts", "outstanding_balance"),
        ("balances", "outstanding_balance"),
        ("repayment-schedules", "amount_due"),
        ("repayment-schedules", "amount_paid"),
    ],
)
def test_amounts_that_cannot_be_negative_say_so_in_the_schema(schema, endpoint, name):
    amount = _row_schema(schema, endpoint)["properties"][name]
    assert _matches(amount, "1234.50") and _matches(amount, "0001.500")
    for refused in ("-1.00", "-0", "1e3", "", "12345678901", "1.001"):
        assert not _matches(amount, refused), refused
    (number,) = [option for option in amount["oneOf"] if option["type"] == "number"]
    assert number["minimum"] == 0


def test_a_signal_value_may_be_negative(schema):
    assert _matches(_row_schema(schema, "risk-signals")["properties"]["value"], "-2.50")


def test_a_body_that_is_no_json_answers_the_row_error_body(core_client, world):
    response = core_client.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] is None


def test_an_over_large_body_answers_413_in_json(core_client, world, settings):
    row = '{"account_external_id": "ACC-A", "outstanding_balance": "1.00"},'
    body = '{"rows": [' + row * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // len(row) + 1) + "{}]}"
    response = core_client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "request_too_large"


def test_too_many_fields_answer_json(core_client, world):
    many = "&".join(f"f{number}=1" for number in range(2000))
    form = core_client.post(URL, data=many, content_type="application/x-www-form-urlencoded")
    assert (form.status_code, form["Content-Type"]) == (415, "application/json")
    assert form.json()["code"] == "unsupported_media_type"
    query = core_client.post(f"{URL}?{many}", {"rows": [VALID_ROWS["balances"]]}, format="json")
    assert (query.status_code, query["Content-Type"]) == (400, "application/json")
    assert query.json()["errors"][0]["row"] is None


@pytest.mark.parametrize("path", ["/api/integration/v1/nope/", "/api/integration/v1/balances"])
def test_an_unknown_integration_path_answers_404_in_json(core_client, world, path):
    response = core_client.post(path, {"rows": [VALID_ROWS["balances"]]}, format="json")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
