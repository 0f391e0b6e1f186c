"""The admin's login form is limited like the API's login: per client address and per username.

Both count in the same windows, so that guessing through the admin gains nothing over the API.
"""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from rest_framework.test import APIClient

from conftest import PASSWORD
from users.models import User

ADMIN_LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser(username="root", email="root@example.com", password=PASSWORD)


@pytest.fixture
def limits(throttle_limits):
    throttle_limits(login_username="3/min", login_address="5/min")


def admin_login(username: str, password: str, *, address: str = "198.51.100.7") -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    response = client.post(ADMIN_LOGIN, {"username": username, "password": password})
    return client, response


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_the_right_password_logs_in_within_the_limits(admin_user, limits):
    client, response = admin_login("root", PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_past_the_username_limit_even_the_right_password_is_refused_with_429(admin_user, limits):
    for number in range(3):
        _, wrong = admin_login("root", "wrong", address=f"203.0.113.{number}")
        assert wrong.status_code == 200

    client, response = admin_login("root", PASSWORD, address="203.0.113.50")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert b"Too many login attempts" in response.content
    assert not logged_in(client)


def test_the_address_limit_holds_across_usernames(admin_user, limits):
    for number in range(5):
        admin_login(f"someone{number}", "wrong")

    client, response = admin_login("root", PASSWORD)

    assert response.status_code == 429
    assert not logged_in(client)


def test_the_admin_and_the_api_count_in_the_same_window(admin_user, limits):
    for number in range(3):
        APIClient(REMOTE_ADDR=f"203.0.113.{number}").post(
            "/user/login/", {"username": "ROOT", "password": "wrong"}, format="json"
        )

    client, response = admin_login("\uff52\uff4f\uff4f\uff54", PASSWORD, address="203.0.113.60")

    assert response.status_code == 429
    assert not logged_in(client)


def test_a_throttled_form_checks_no_password(admin_user, limits, monkeypatch):
    for number in range(3):
        admin_login("root", "wrong", address=f"203.0.113.{number}")
    checked = []
    monkeypatch.setattr(User, "check_password", lambda self, raw: checked.append(raw) or True)

    _, response = admin_login("root", PASSWORD, address="203.0.113.70")

    assert response.status_code == 429
    assert checked == []
