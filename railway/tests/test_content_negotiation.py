"""Every client that accepts JSON gets JSON; the everyday `Accept` values skip the full negotiation."""

import pytest

from conftest import client_for

AVAILABILITY = "/user/get_seat_availability/"
QUERY = {"source": "Alpha", "destination": "Beta"}


@pytest.fixture
def client(owner, make_train):
    make_train(7, 4, "Alpha", "Beta")
    return client_for(owner)


@pytest.mark.django_db
@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/*", "text/html, */*;q=0.1"])
def test_a_client_accepting_json_gets_compact_json(client, accept):
    headers = {"Accept": accept} if accept else {}

    response = client.get(AVAILABILITY, QUERY, headers=headers)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content.startswith(b'[{"train_number":7,')


@pytest.mark.django_db
def test_media_type_parameters_still_reach_the_renderer(client):
    # Not an everyday value: DRF's full negotiation runs and honours the indent it asks for.
    response = client.get(AVAILABILITY, QUERY, headers={"Accept": "application/json; indent=2"})

    assert response.status_code == 200
    assert response.content.startswith(b'[\n  {\n    "train_number": 7,')


@pytest.mark.django_db
def test_a_client_refusing_json_still_gets_406(client):
    response = client.get(AVAILABILITY, QUERY, headers={"Accept": "text/html"})

    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


@pytest.mark.django_db
@pytest.mark.parametrize("format_name", ["xml", "api"])
def test_an_unknown_format_override_is_still_a_404_with_its_code(client, format_name):
    response = client.get(AVAILABILITY, {**QUERY, "format": format_name})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
