"""Request bodies are bounded: over 1 MiB is a 413, JSON nested more than 32 deep is a 400."""

import json

import pytest
from rest_framework.test import APIClient

from railway.tests.bodies import error_body

MIB = 1024 * 1024
REGISTER = "/user/register/"


def registration(padding: object = "") -> dict:
    """Return a valid registration; `padding` rides along in a field the API ignores."""
    return {
        "username": "asha",
        "email": "asha@example.com",
        "password": "a-long-passphrase",
        "padding": padding,
    }


def body_of_size(size: int) -> bytes:
    """Return a valid registration as JSON of exactly `size` bytes."""
    empty = json.dumps(registration()).encode()
    body = json.dumps(registration("x" * (size - len(empty)))).encode()
    assert len(body) == size
    return body


def nested_json(depth: int) -> str:
    """Return JSON text of lists and objects in turn, nested `depth` deep around a 1."""
    # Written out, not dumped: json.dumps itself gives up past a thousand levels or so.
    openers = ["[" if level % 2 == 0 else '{"a": ' for level in range(depth)]
    closers = ["]" if level % 2 == 0 else "}" for level in reversed(range(depth))]
    return "".join(openers) + "1" + "".join(closers)


def registration_padded_with(padding_json: str) -> bytes:
    """Return a valid registration whose ignored `padding` field holds `padding_json`."""
    text = json.dumps(registration())
    return text.replace('"padding": ""', f'"padding": {padding_json}').encode()


def post_raw(client: APIClient, path: str, body: bytes):
    return client.generic("POST", path, body, content_type="application/json")


def test_the_default_limit_is_one_mib(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == MIB


@pytest.mark.django_db
def test_a_body_of_exactly_one_mib_is_read(anon_client):
    assert post_raw(anon_client, REGISTER, body_of_size(MIB)).status_code == 201


@pytest.mark.django_db
def test_a_body_one_byte_over_one_mib_is_refused_with_a_json_413(anon_client):
    response = post_raw(anon_client, REGISTER, body_of_size(MIB + 1))

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert error_body(response) == {
        "detail": "The request body is larger than 1048576 bytes.",
        "code": "request_too_large",
    }


@pytest.mark.parametrize(
    "path", ["/user/book_seat/", "/add_train/", "/user/login/", "/user/logout/", "/admin/login/"]
)
def test_every_endpoint_refuses_a_big_body_before_authenticating_or_parsing(anon_client, path):
    # No database: the refusal comes before any view, token or session lookup.
    response = post_raw(anon_client, path, b"[" * (MIB + 1))

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_the_limit_is_a_setting(anon_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = post_raw(anon_client, REGISTER, b" " * 101)

    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is larger than 100 bytes."


def test_the_nesting_written_out_is_what_json_reads():
    assert json.loads(nested_json(3)) == [{"a": [1]}]


@pytest.mark.django_db
def test_json_nested_32_deep_is_parsed(anon_client):
    # 31 levels in `padding`, inside the body's object.
    assert post_raw(anon_client, REGISTER, registration_padded_with(nested_json(31))).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [32, 100, 5_000, 200_000])
def test_json_nested_deeper_than_32_is_a_400_not_a_crash(anon_client, depth):
    # `padding` sits inside the body's object: 33 levels and more in all.
    response = post_raw(anon_client, REGISTER, registration_padded_with(nested_json(depth)))

    assert response.status_code == 400
    assert error_body(response) == {
        "detail": "JSON parse error - document nested deeper than 32 levels.",
        "code": "parse_error",
    }


@pytest.mark.django_db
def test_a_deep_body_written_as_plain_brackets_is_a_400(anon_client):
    response = post_raw(anon_client, REGISTER, b"[" * 500_000 + b"]" * 500_000)

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
