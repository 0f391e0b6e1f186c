"""GET /api/schema/ and /api/docs/: the API describes itself, publicly, with production settings."""

import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

PUBLIC_OPERATIONS = {"register", "login", "healthz", "readyz"}
# The liveness probe never touches the database, so it cannot answer that the database is busy.
NO_DATABASE_OPERATIONS = {"healthz"}


@pytest.fixture(scope="module")
def schema() -> dict:
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200, response.content
    return response.json()


def operations(schema: dict):
    for path, path_item in schema["paths"].items():
        for method, operation in path_item.items():
            yield f"{method.upper()} {path}", operation


def test_the_schema_is_valid_openapi_3_and_generated_without_warnings(tmp_path):
    # --fail-on-warn fails on anything the generator had to guess; --validate checks OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.0.3")


def test_the_tests_run_with_production_settings():
    # So the tests below show the schema and the docs are served with DEBUG off.
    assert settings.DEBUG is False


@pytest.mark.parametrize("path", ["/api/schema/", "/api/schema/?format=json", "/api/docs/"])
def test_the_schema_and_the_docs_are_public(path):
    assert APIClient().get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_a_stale_token_does_not_hide_the_schema_or_the_docs(path):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    assert client.get(path).status_code == 200


def test_the_docs_load_swagger_ui_from_this_server_not_from_a_cdn():
    page = APIClient().get("/api/docs/").content.decode()

    assert '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js">' in page
    assert "https://" not in page and "http://" not in page


def test_token_authentication_is_the_declared_security_scheme(schema):
    assert schema["components"]["securitySchemes"] == {
        "tokenAuth": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication with required prefix "Token"',
        }
    }
    for name, operation in operations(schema):
        expected = [{}] if operation["operationId"] in PUBLIC_OPERATIONS else [{"tokenAuth": []}]
        assert operation["security"] == expected, name


def test_every_operation_documents_its_success_and_its_errors(schema):
    for name, operation in operations(schema):
        codes = set(operation["responses"])
        assert {code for code in codes if code.startswith("2")}, name
        assert "406" in codes, name
        assert ("503" in codes) == (operation["operationId"] not in NO_DATABASE_OPERATIONS), name
        if operation["security"] != [{}]:
            assert "401" in codes, name
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= codes, name


def test_every_error_has_the_shape_the_exception_handler_gives(schema):
    components = schema["components"]
    error_schemas = {f"#/components/schemas/{name}" for name in ("Error", "BadRequest", "BookingConflict")}
    for name, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code < "400":
                continue
            if "$ref" in response:
                response = components["responses"][response["$ref"].rpartition("/")[2]]
            assert response["content"]["application/json"]["schema"]["$ref"] in error_schemas, (name, code)
    assert components["schemas"]["Error"]["required"] == ["code", "detail"]
    # Invalid input carries its code beside the fields refused.
    assert components["schemas"]["ValidationError"]["required"] == ["code"]
    assert components["schemas"]["ValidationError"]["properties"]["code"]["type"] == "string"


@pytest.mark.django_db
def test_a_client_that_refuses_json_gets_the_documented_406():
    response = APIClient().post("/user/login/", {}, format="json", HTTP_ACCEPT="text/html")

    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


def test_the_throttled_operations_document_429_with_retry_after(schema):
    throttled = {
        operation["operationId"] for _, operation in operations(schema) if "429" in operation["responses"]
    }

    assert throttled == {
        "register",
        "login",
        "book_seat",
        "station_search",
        "booking",
        "cancel_passengers",
        "confirm_hold",
        "extend_hold",
    }
    answer = schema["components"]["responses"]["Throttled"]
    assert "Retry-After" in answer["headers"]
    assert "`throttled`" in answer["description"]


def test_the_docs_page_answers_options_with_405_not_a_server_error():
    response = APIClient().options("/api/docs/")

    assert response.status_code == 405
