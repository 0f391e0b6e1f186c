"""GET /healthz and GET /readyz: public probes at exactly those paths, behind a proxy or not."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from railway.tests.bodies import error_body
from railway.tests.management import run_manage

PROXIED_HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}


@pytest.fixture
def behind_a_tls_proxy(settings):
    """Production's HTTPS settings: redirect plain HTTP, trust the proxy's X-Forwarded-Proto."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_healthz_answers_ok_without_touching_the_database():
    # No database access is allowed in this test: any query would fail the request.
    response = APIClient().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_ignores_a_stale_token():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_answers_ok_when_the_database_is_reachable_and_migrated():
    response = APIClient().get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_ignores_a_stale_token():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    assert client.get("/readyz").status_code == 200


@pytest.fixture
def a_migration_unapplied(transactional_db):
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("bookings", "0001_initial")])
    yield
    MigrationExecutor(connection).migrate(leaves)


def test_readyz_answers_503_while_a_migration_is_not_applied(a_migration_unapplied):
    response = APIClient().get("/readyz")

    assert response.status_code == 503
    assert error_body(response) == {
        "detail": "The database lacks migrations this version needs.",
        "code": "migrations_pending",
    }


@pytest.fixture
def database_unreachable(transactional_db):
    connection.close()
    saved = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = (
        "/nonexistent/railway.sqlite3" if connection.vendor == "sqlite" else "railway_no_such_database"
    )
    yield
    connection.close()
    connection.settings_dict["NAME"] = saved


def test_readyz_answers_503_when_the_database_cannot_be_reached(database_unreachable):
    response = APIClient().get("/readyz")

    assert response.status_code == 503
    assert error_body(response) == {
        "detail": "The database cannot be reached.",
        "code": "database_unavailable",
    }


def test_healthz_still_answers_ok_when_the_database_cannot_be_reached(database_unreachable):
    assert APIClient().get("/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/healthz/", "/readyz/", "/healthz/x", "/health"])
def test_only_the_exact_paths_answer_and_nothing_redirects(path):
    response = APIClient().get(path)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_the_probes_answer_https_requests_from_the_proxy(behind_a_tls_proxy, path):
    response = APIClient().get(path, **PROXIED_HTTPS)

    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_the_probes_answer_a_plain_http_load_balancer_without_redirecting(behind_a_tls_proxy, path):
    assert APIClient().get(path).status_code == 200


def test_other_plain_http_requests_are_still_redirected_to_https(behind_a_tls_proxy):
    response = APIClient().get("/user/get_seat_availability/?source=A&destination=B")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/user/get_seat_availability/?source=A&destination=B"


def test_the_probes_answer_under_the_production_settings_themselves():
    # railway.settings as deployed (DEBUG off, HTTPS redirect on, the proxy trusted), not the
    # test settings: a probe through the proxy, a plain one, and a plain API call.
    script = (
        "from django.test import Client; c = Client(HTTP_HOST='rail.example.com');"
        "print(c.get('/healthz', HTTP_X_FORWARDED_PROTO='https').status_code,"
        " c.get('/healthz').status_code,"
        " c.get('/user/login/').status_code)"
    )
    result = run_manage(
        "shell",
        "-c",
        script,
        DEBUG="0",
        SECRET_KEY="a-production-like-secret-" + "x" * 40,
        ALLOWED_HOSTS="rail.example.com",
        SECURE_PROXY_SSL_HEADER="1",
    )

    assert result.returncode == 0, result.stderr
    # The last line: the shell may first say what it imported.
    assert result.stdout.splitlines()[-1].split() == ["200", "200", "301"]
