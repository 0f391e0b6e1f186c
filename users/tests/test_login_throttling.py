"""POST /user/login/ is limited per client address and per username (OWASP API2, API4)."""

import pytest
from rest_framework.test import APIClient

from conftest import PASSWORD
from railway.throttling import FixedWindowRateThrottle
from users.models import Token

URL = "/user/login/"


def login(username: str = "alice", password: str = PASSWORD, *, address: str = "198.51.100.7", **headers):
    client = APIClient(REMOTE_ADDR=address)
    return client.post(URL, {"username": username, "password": password}, format="json", headers=headers)


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    assert response.json()["code"] == "throttled"
    assert response.json()["detail"].startswith("Request was throttled.")
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.fixture
def limits(throttle_limits):
    throttle_limits(login_username="3/min", login_address="5/min")


def test_wrong_passwords_past_the_username_limit_get_429_with_retry_after(owner, limits):
    for _ in range(3):
        assert login(password="wrong").status_code == 401

    assert_throttled(login(password="wrong"))


def test_the_correct_password_does_not_get_through_while_throttled(owner, limits):
    for _ in range(3):
        login(password="wrong")

    response = login()

    assert_throttled(response)
    assert "token" not in response.json()
    assert not Token.objects.exists()


def test_the_username_limit_holds_from_other_addresses(owner, limits):
    for number in range(3):
        login(password="wrong", address=f"203.0.113.{number}")

    assert_throttled(login(address="203.0.113.99"))


def test_the_username_limit_counts_every_spelling_of_the_name(owner, limits):
    for spelling in ("alice", "ALICE", " Alice "):
        login(spelling, "wrong")

    assert_throttled(login("aLiCe"))


def test_the_username_limit_leaves_other_users_alone(owner, other_user, limits):
    for _ in range(3):
        login(password="wrong")

    assert login("mallory").status_code == 200


def test_the_address_limit_holds_across_usernames(owner, limits):
    for number in range(5):
        assert login(f"guess-{number}", "wrong").status_code == 401

    assert_throttled(login())


def test_the_address_limit_leaves_other_addresses_alone(owner, limits):
    for number in range(5):
        login(f"guess-{number}", "wrong")

    assert login(address="198.51.100.8").status_code == 200


def test_an_unknown_username_is_limited_exactly_like_a_known_one(owner, limits):
    known = [login("alice", "wrong").status_code for _ in range(4)]
    unknown = [login("nobody", "wrong", address="198.51.100.9").status_code for _ in range(4)]

    assert known == unknown == [401, 401, 401, 429]


def test_a_forged_x_forwarded_for_does_not_reset_the_address_limit(owner, limits):
    for number in range(5):
        login(f"guess-{number}", "wrong", X_Forwarded_For=f"192.0.2.{number}")

    assert_throttled(login(X_Forwarded_For="192.0.2.200"))


def test_behind_a_trusted_proxy_the_address_is_the_one_it_forwards(owner, limits, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.1"
    for number in range(5):
        login(f"guess-{number}", "wrong", address=proxy, X_Forwarded_For="forged, 192.0.2.1")

    assert_throttled(login(address=proxy, X_Forwarded_For="192.0.2.1"))
    assert login(address=proxy, X_Forwarded_For="192.0.2.2").status_code == 200


def test_an_ipv6_client_is_limited_per_64_block(owner, limits):
    for number in range(5):
        login(f"guess-{number}", "wrong", address=f"2001:db8:1:2::{number + 1:x}")

    assert_throttled(login(address="2001:db8:1:2:ffff::1"))
    assert login(address="2001:db8:1:3::1").status_code == 200


def test_the_limit_lifts_when_the_window_ends(owner, limits, monkeypatch):
    now = 60 * 20_000 + 20.0  # 20 s into a minute
    monkeypatch.setattr(FixedWindowRateThrottle, "timer", lambda self: now)
    for _ in range(3):
        login(password="wrong")
    throttled = login()

    now += 40
    response = login()

    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "40"
    assert response.status_code == 200


def test_a_body_that_is_not_json_still_counts_against_the_address(owner, limits):
    client = APIClient(REMOTE_ADDR="198.51.100.7")
    for _ in range(5):
        assert client.post(URL, '{"username": ', content_type="application/json").status_code == 400

    assert_throttled(login())


@pytest.mark.django_db
@pytest.mark.parametrize("url", [URL, "/user/register/"])
def test_a_username_that_is_not_valid_unicode_is_a_400_not_a_500(url, limits):
    body = '{"username": "\\ud800", "password": "x", "email": "a@example.com"}'

    response = APIClient().post(url, body, content_type="application/json")

    assert response.status_code == 400
    assert "username" in response.json()
