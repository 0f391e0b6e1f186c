"""POST /user/register/ is limited per client address and per username (OWASP API4), and tells no more
about existing accounts than a registration has to (OWASP API2)."""

import pytest
from rest_framework.test import APIClient

from conftest import PASSWORD
from railway.tests.bodies import error_body
from users.models import User

URL = "/user/register/"


def register(username: str, email: str | None = None, *, address: str = "198.51.100.7"):
    data = {"username": username, "email": email or f"{username}@example.com", "password": PASSWORD}
    return APIClient(REMOTE_ADDR=address).post(URL, data, format="json")


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.django_db
def test_registrations_past_the_address_limit_get_429_with_retry_after(throttle_limits):
    throttle_limits(register_address="2/hour")
    assert register("bob").status_code == 201
    assert register("carol").status_code == 201

    response = register("dave")

    assert_throttled(response)
    assert int(response["Retry-After"]) <= 3600
    assert not User.objects.filter(username="dave").exists()


@pytest.mark.django_db
def test_the_address_limit_leaves_other_addresses_alone(throttle_limits):
    throttle_limits(register_address="1/hour")
    register("bob")

    assert register("carol", address="198.51.100.8").status_code == 201


@pytest.mark.django_db
def test_attempts_at_one_username_past_its_limit_get_429_from_any_address(owner, throttle_limits):
    throttle_limits(register_username="2/hour")
    for number in range(2):
        response = register("Alice", f"probe-{number}@example.com", address=f"203.0.113.{number}")
        assert response.status_code == 400

    assert_throttled(register("alice", "probe-9@example.com", address="203.0.113.9"))


@pytest.mark.django_db
def test_refused_registrations_count_too(throttle_limits):
    throttle_limits(register_address="2/hour")
    weak = {"username": "bob", "email": "bob@example.com", "password": "123"}
    client = APIClient(REMOTE_ADDR="198.51.100.7")
    assert client.post(URL, weak, format="json").status_code == 400
    assert client.post(URL, weak, format="json").status_code == 400

    assert_throttled(register("bob"))


@pytest.mark.django_db
def test_a_taken_username_or_email_is_refused_without_telling_whose_it_is(owner):
    by_name = register("ALICE", "someone-new@example.com")
    by_email = register("someone-new", "ALICE@EXAMPLE.COM")

    assert error_body(by_name) == {
        "username": ["A user with that username already exists."],
        "code": "invalid",
    }
    assert error_body(by_email) == {"email": ["A user with that email already exists."], "code": "invalid"}
    for response in (by_name, by_email):
        assert response.status_code == 400
        body = response.content.decode()
        assert owner.username not in body and owner.email not in body
