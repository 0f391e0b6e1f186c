"""POST /user/register/: create a passenger account."""

import pytest
from rest_framework.test import APIClient

from conftest import PASSWORD
from railway.tests.bodies import error_body
from users.models import User

URL = "/user/register/"


@pytest.fixture
def payload() -> dict:
    return {"username": "bob", "email": "bob@example.com", "password": PASSWORD}


def register(client: APIClient, data: object):
    return client.post(URL, data, format="json")


@pytest.mark.django_db
def test_it_creates_the_user_and_answers_its_public_fields(anon_client, payload):
    response = register(anon_client, payload)

    assert response.status_code == 201, response.content
    user = User.objects.get(username="bob")
    assert response.json() == {"id": user.id, "username": "bob", "email": "bob@example.com"}
    assert user.check_password(PASSWORD)
    assert not user.is_staff and not user.is_superuser


@pytest.mark.django_db
def test_it_never_returns_the_password_or_its_hash(anon_client, payload):
    response = register(anon_client, payload)

    body = response.content.decode()
    assert response.status_code == 201
    assert "password" not in response.json()
    assert PASSWORD not in body
    assert User.objects.get(username="bob").password not in body


@pytest.mark.django_db
def test_the_new_user_can_log_in(anon_client, payload):
    created = register(anon_client, payload).json()

    login = anon_client.post("/user/login/", {"username": "bob", "password": PASSWORD}, format="json")

    assert login.status_code == 200, login.content
    assert login.json()["user_id"] == created["id"]


@pytest.mark.django_db
def test_it_stores_the_username_and_email_trimmed(anon_client, payload):
    payload.update(username="  bob  ", email=" bob@example.com ")

    response = register(anon_client, payload)

    assert response.status_code == 201, response.content
    assert response.json()["username"] == "bob"
    assert response.json()["email"] == "bob@example.com"


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_it_rejects_a_missing_field(anon_client, payload, field):
    del payload[field]

    response = register(anon_client, payload)

    assert response.status_code == 400
    assert error_body(response) == {field: ["This field is required."], "code": "required"}
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["username", "email", "password"])
@pytest.mark.parametrize("value", ["", None])
def test_it_rejects_an_empty_or_null_field(anon_client, payload, field, value):
    payload[field] = value

    response = register(anon_client, payload)

    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["not-an-email", "bob@", "@example.com", "bob@@example.com"])
def test_it_rejects_an_invalid_email(anon_client, payload, email):
    payload["email"] = email

    response = register(anon_client, payload)

    assert response.status_code == 400
    assert error_body(response) == {"email": ["Enter a valid email address."], "code": "invalid"}
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password, reason",
    [
        ("xQ7#vL2", "too short"),
        ("password123", "too common"),
        ("48213957204", "entirely numeric"),
        ("bobbybob", "too similar"),
    ],
)
def test_it_rejects_a_weak_password(anon_client, payload, password, reason):
    payload.update(username="bobbybob", password=password)

    response = register(anon_client, payload)

    assert response.status_code == 400
    body = error_body(response)
    assert set(body) == {"password", "code"}
    assert body["code"] == "invalid"
    assert any(reason in message for message in body["password"])
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("taken", ["alice", "Alice", "ALICE", " alice "])
def test_it_rejects_a_username_taken_in_any_case(anon_client, owner, payload, taken):
    payload["username"] = taken

    response = register(anon_client, payload)

    assert response.status_code == 400
    assert error_body(response) == {
        "username": ["A user with that username already exists."],
        "code": "invalid",
    }
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("taken", ["alice@example.com", "Alice@Example.COM"])
def test_it_rejects_an_email_taken_in_any_case(anon_client, owner, payload, taken):
    payload["email"] = taken

    response = register(anon_client, payload)

    assert response.status_code == 400
    assert error_body(response) == {"email": ["A user with that email already exists."], "code": "invalid"}
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_it_reports_every_refused_field_at_once(anon_client, owner):
    response = register(anon_client, {"username": "Alice", "email": "ALICE@example.com", "password": "123"})

    assert response.status_code == 400
    body = error_body(response)
    assert body.pop("code") == "invalid"
    assert set(body) == {"username", "email", "password"}
    assert all(
        isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
        for messages in body.values()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["username", "email", "password"])
@pytest.mark.parametrize("value", [12345, 1.5, True, ["bob"], {"name": "bob"}])
def test_it_rejects_a_field_that_is_not_a_string(anon_client, payload, field, value):
    payload[field] = value

    response = register(anon_client, payload)

    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value",
    [
        ("username", "b" * 151),
        ("email", "b" * 245 + "@example.com"),
        ("password", "Zq9!" * 33),
    ],
)
def test_it_rejects_an_oversized_field(anon_client, payload, field, value):
    payload[field] = value

    response = register(anon_client, payload)

    assert response.status_code == 400
    body = error_body(response)
    assert set(body) == {field, "code"}
    assert body["code"] == "max_length"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_accepts_fields_at_their_maximum_length(anon_client, payload):
    payload.update(username="b" * 150, email="b" * 242 + "@example.com")

    response = register(anon_client, payload)

    assert response.status_code == 201, response.content
    assert len(response.json()["username"]) == 150
    assert len(response.json()["email"]) == 254


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["bob smith", "bob/../x", "bob\x00", "<bob>"])
def test_it_rejects_a_username_with_forbidden_characters(anon_client, payload, username):
    payload["username"] = username

    response = register(anon_client, payload)

    assert response.status_code == 400
    assert "username" in response.json()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_rejects_malformed_json(anon_client):
    response = anon_client.post(URL, '{"username": "bob",', content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_rejects_json_that_is_a_list_instead_of_an_object(anon_client, payload):
    response = register(anon_client, [payload])

    assert response.status_code == 400
    body = error_body(response)
    assert set(body) == {"non_field_errors", "code"}
    assert body["code"] == "invalid"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_rejects_a_body_that_is_not_json(anon_client):
    response = anon_client.post(URL, "username=bob", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert "detail" in response.json()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_ignores_a_request_to_become_staff(anon_client, payload):
    payload.update(is_staff=True, is_superuser=True)

    response = register(anon_client, payload)

    assert response.status_code == 201
    user = User.objects.get(id=response.json()["id"])
    assert not user.is_staff and not user.is_superuser


@pytest.mark.django_db
def test_it_answers_404_json_without_the_trailing_slash(anon_client, payload):
    response = anon_client.post("/user/register", payload, format="json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] == "Not found."
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_refuses_get(anon_client):
    response = anon_client.get(URL)

    assert response.status_code == 405
    assert "detail" in response.json()
