"""Every request has an id (X-Request-ID in and out), one JSON log line, and errors that name it."""

import json
import logging

import pytest
from django.db import OperationalError
from django.test import Client
from pythonjsonlogger.json import JsonFormatter

from conftest import client_for
from railway.logs import json_formatter
from railway.tests.bodies import error_body

AVAILABILITY = "/user/get_seat_availability/"


def request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "railway.request"]


@pytest.mark.django_db
def test_a_request_gets_a_fresh_id_in_its_answer_and_its_log_line(owner, make_train, caplog):
    make_train(7, 4, "Alpha", "Beta")
    caplog.set_level(logging.INFO, logger="railway.request")

    response = client_for(owner).get(AVAILABILITY, {"source": "Alpha", "destination": "Beta"})

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    [line] = request_lines(caplog)
    assert (line.method, line.path, line.status, line.user_id) == ("GET", AVAILABILITY, 200, owner.pk)
    assert line.request_id == request_id
    assert 0 < line.duration_ms < 10_000


@pytest.mark.django_db
def test_every_request_gets_a_different_id(owner_client):
    ids = {owner_client.get("/healthz")["X-Request-ID"] for _ in range(5)}

    assert len(ids) == 5


@pytest.mark.django_db
def test_the_callers_request_id_is_kept_so_that_logs_join_up(owner_client, caplog):
    caplog.set_level(logging.INFO, logger="railway.request")

    response = owner_client.get("/user/book_seat/", headers={"X-Request-ID": "lb-7f3a.9:01"})

    assert response["X-Request-ID"] == "lb-7f3a.9:01"
    assert request_lines(caplog)[0].request_id == "lb-7f3a.9:01"


@pytest.mark.django_db
@pytest.mark.parametrize("offered", ["", "x" * 129, "has space", "<script>", "id\u00e9", "a\nb"])
def test_an_unusable_request_id_is_replaced_never_echoed(owner_client, offered):
    response = owner_client.get("/healthz", headers={"X-Request-ID": offered})

    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_an_anonymous_request_is_logged_with_no_user(anon_client, caplog):
    caplog.set_level(logging.INFO, logger="railway.request")

    anon_client.get(AVAILABILITY, {"source": "Alpha", "destination": "Beta"})

    [line] = request_lines(caplog)
    assert (line.status, line.user_id) == (401, None)


@pytest.mark.django_db
def test_an_error_body_carries_the_request_id(owner_client):
    response = owner_client.post("/user/book_seat/", {"train_number": 404, "seat_count": 1}, format="json")

    assert response.status_code == 404
    assert response.json()["request_id"] == response["X-Request-ID"]
    assert error_body(response)["code"] == "train_not_found"


@pytest.mark.django_db
def test_invalid_input_carries_the_request_id_beside_its_fields(owner_client):
    response = owner_client.post("/user/book_seat/", {"train_number": 1, "seat_count": 11}, format="json")

    assert response.status_code == 400
    assert error_body(response) == {
        "seat_count": ["Ensure this value is less than or equal to 10."],
        "code": "max_value",
    }


@pytest.mark.django_db
def test_errors_outside_the_api_views_carry_it_too(owner_client):
    missing = owner_client.get("/no/such/page/", headers={"X-Request-ID": "probe-1"})

    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found.", "code": "not_found", "request_id": "probe-1"}


@pytest.mark.django_db
def test_records_logged_while_serving_a_request_carry_its_id(owner, make_train, monkeypatch, caplog):
    make_train(7, 4, "Alpha", "Beta")

    def lock_timeout(**kwargs):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr("bookings.apis.trains_between_now", lock_timeout)
    caplog.set_level(logging.INFO)

    response = client_for(owner).get(AVAILABILITY, {"source": "Alpha", "destination": "Beta"})

    assert response.status_code == 503
    [warning] = [record for record in caplog.records if record.name == "railway.api"]
    assert "lock timeout" in warning.getMessage()
    assert warning.request_id == response["X-Request-ID"] == response.json()["request_id"]


@pytest.mark.django_db
def test_a_database_error_outside_the_api_views_is_a_json_503_not_a_500(admin_user, monkeypatch):
    # The admin is a plain Django view: its errors reach Django's handler, not DRF's.
    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("django.contrib.admin.sites.AdminSite.each_context", database_gone)
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)

    response = client.get("/admin/")

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert error_body(response) == {
        "detail": "The service is busy; please retry shortly.",
        "code": "service_busy",
    }


def test_log_records_are_formatted_as_one_json_object_per_line():
    record = logging.LogRecord("railway.request", logging.INFO, __file__, 1, "request", None, None)
    record.request_id, record.status, record.path = "abc", 201, "/user/book_seat/"

    line = json_formatter().format(record)

    assert "\n" not in line
    fields = json.loads(line)
    assert fields["level"] == "INFO" and fields["logger"] == "railway.request"
    assert (fields["message"], fields["status"], fields["request_id"]) == ("request", 201, "abc")
    assert fields["time"].endswith("+00:00")


@pytest.mark.parametrize("name", ["django", "django.request", "django.server", "railway.request"])
def test_every_logger_writes_through_the_one_json_handler(name):
    logger = logging.getLogger(name)

    assert logger.handlers == [] and logger.propagate
    # (pytest adds capturing handlers of its own beside the service's.)
    ours = [
        handler for handler in logging.getLogger().handlers if isinstance(handler.formatter, JsonFormatter)
    ]
    assert len(ours) == 1
