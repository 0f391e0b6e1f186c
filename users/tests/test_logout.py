"""POST /user/logout/: end the session that the token stands for."""

import pytest
from rest_framework.test import APIClient

from conftest import client_for
from users.models import Token

URL = "/user/logout/"


def test_it_answers_204_with_no_body(owner_client):
    response = owner_client.post(URL)

    assert response.status_code == 204
    assert response.content == b""


def test_the_token_stops_working_afterwards(owner, owner_client):
    owner_client.post(URL)

    response = owner_client.get(f"/user/get_booking_details/{owner.id}/")

    assert response.status_code == 401
    assert not Token.objects.filter(user=owner).exists()


def test_a_second_logout_with_the_same_token_is_401(owner_client):
    assert owner_client.post(URL).status_code == 204

    assert owner_client.post(URL).status_code == 401


def test_it_leaves_other_users_tokens_alone(owner_client, other_user, other_client):
    owner_client.post(URL)

    response = other_client.get(f"/user/get_booking_details/{other_user.id}/")

    assert response.status_code == 200


def test_logging_in_again_issues_a_new_working_token(owner, owner_client):
    old_digest = Token.objects.get(user=owner).digest
    owner_client.post(URL)

    fresh = client_for(owner)

    assert Token.objects.get(user=owner).digest != old_digest
    assert fresh.get(f"/user/get_booking_details/{owner.id}/").status_code == 200


@pytest.mark.django_db
def test_it_answers_401_without_a_token(anon_client):
    response = anon_client.post(URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "detail" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "Token 0123456789abcdef0123456789abcdef01234567",
        "Token",
        "Token ",
        "Token one two",
        "Token abc\x00def",
        "Bearer 0123456789abcdef0123456789abcdef01234567",
        "0123456789abcdef0123456789abcdef01234567",
    ],
    ids=["bogus", "no-key", "empty-key", "two-keys", "nul-byte", "other-scheme", "no-scheme"],
)
def test_it_answers_401_for_a_bogus_or_malformed_header(owner, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.post(URL)

    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_bogus_token_does_not_log_anyone_out(owner, owner_client):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    client.post(URL)

    assert Token.objects.filter(user=owner).exists()
    assert owner_client.get(f"/user/get_booking_details/{owner.id}/").status_code == 200


def test_it_refuses_get(owner, owner_client):
    response = owner_client.get(URL)

    assert response.status_code == 405
    assert Token.objects.filter(user=owner).exists()
