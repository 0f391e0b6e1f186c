"""POST /user/login/: exchange credentials for an API token."""

import pytest
from rest_framework.test import APIClient

from conftest import PASSWORD
from railway.tests.bodies import error_body
from users.models import Token, token_digest

URL = "/user/login/"


def login(client: APIClient, data: object):
    return client.post(URL, data, format="json")


def test_it_answers_a_token_and_the_user_id(anon_client, owner):
    response = login(anon_client, {"username": "alice", "password": PASSWORD})

    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert response.json() == {"token": key, "user_id": owner.id}
    assert Token.objects.get(user=owner).digest == token_digest(key)


@pytest.mark.parametrize("username", ["Alice", "ALICE", " alice "])
def test_it_ignores_the_case_of_the_username(anon_client, owner, username):
    response = login(anon_client, {"username": username, "password": PASSWORD})

    assert response.status_code == 200, response.content
    assert response.json()["user_id"] == owner.id


def test_each_login_issues_a_new_token_for_another_device(anon_client, owner):
    first = login(anon_client, {"username": "alice", "password": PASSWORD}).json()
    second = login(anon_client, {"username": "alice", "password": PASSWORD}).json()

    assert first["token"] != second["token"]
    assert Token.objects.filter(user=owner).count() == 2


def test_the_token_works_on_an_authenticated_endpoint(anon_client, owner):
    token = login(anon_client, {"username": "alice", "password": PASSWORD}).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.get(f"/user/get_booking_details/{owner.id}/")

    assert response.status_code == 200, response.content
    assert response.json() == []


@pytest.mark.parametrize("field", ["username", "password"])
def test_it_rejects_a_missing_field(anon_client, owner, field):
    data = {"username": "alice", "password": PASSWORD}
    del data[field]

    response = login(anon_client, data)

    assert response.status_code == 400
    assert error_body(response) == {field: ["This field is required."], "code": "required"}
    assert not Token.objects.exists()


def test_it_rejects_json_that_is_a_list_instead_of_an_object(anon_client, owner):
    response = login(anon_client, [{"username": "alice", "password": PASSWORD}])

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_it_rejects_malformed_json(anon_client, owner):
    response = anon_client.post(URL, '{"username": ', content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_it_answers_401_for_a_wrong_password(anon_client, owner):
    response = login(anon_client, {"username": "alice", "password": PASSWORD + "x"})

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid username or password."
    assert response["WWW-Authenticate"] == "Token"
    assert not Token.objects.exists()


def test_it_answers_an_unknown_user_exactly_like_a_wrong_password(anon_client, owner):
    wrong_password = login(anon_client, {"username": "alice", "password": "not-" + PASSWORD})
    unknown_user = login(anon_client, {"username": "nobody", "password": PASSWORD})

    assert unknown_user.status_code == wrong_password.status_code == 401
    assert error_body(unknown_user) == error_body(wrong_password)


def test_it_refuses_an_inactive_user_like_a_wrong_password(anon_client, owner):
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    response = login(anon_client, {"username": "alice", "password": PASSWORD})

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid username or password."


def test_it_ignores_a_bad_token_sent_along(anon_client, owner):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = login(anon_client, {"username": "alice", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["user_id"] == owner.id
