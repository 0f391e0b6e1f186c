"""The booking path's database round trips are counted, so that they cannot creep up."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

URL = "/user/book_seat/"


def queries_for_a_booking(client, headers: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            URL,
            {"train_number": 7, "seat_count": 2, "source": "B", "destination": "D"},
            format="json",
            headers=headers,
        )
    assert response.status_code == 201, response.content
    return len(captured.captured_queries)


@pytest.fixture
def train(make_train, owner_client):
    make_train(7, 50, "A", "B", "C", "D")
    # A first booking, so the counts below are those of a train already selling.
    owner_client.post(URL, {"train_number": 7, "seat_count": 1}, format="json")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement sale is PostgreSQL's")
@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "k-1"}])
def test_a_booking_on_postgresql_is_the_token_lookup_and_one_statement(owner_client, train, headers):
    assert queries_for_a_booking(owner_client, headers) == 2


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the Python engine's count")
def test_a_booking_in_the_python_engine_takes_a_fixed_number_of_queries(owner_client, train):
    # Token, train, savepoint, journey lock, route, service exception for the date, seats held by
    # the user, seats, booking, seat-legs, masks, release, read-back.
    assert queries_for_a_booking(owner_client, {}) == 13
