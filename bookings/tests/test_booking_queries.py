"""The booking path's database round trips are counted, so that they cannot creep up.

The counts are those inside the test's transaction, which the sale joins: no BEGIN or COMMIT.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

URL = "/user/book_seat/"
# The journey's lock and what the sale decides on (the seats the user holds on the journey, the
# tightest free seats, the booking's id): one round trip on PostgreSQL, one statement on SQLite,
# whose transaction already holds the lock.
LOCK_AND_READ = 1
# The booking, its passengers, the seats they hold, the free stretches sold and what is left of
# them: one round trip on PostgreSQL, five statements on SQLite, which runs in process.
WRITES = 1 if connection.vendor == "postgresql" else 5
# Token; the train with its route, its exception for the date, its coaches and fares; then the sale.
ONE_SEAT = 2 + LOCK_AND_READ + WRITES
# A group whose tightest seats hold a run that no run with a seat beside them could beat takes
# it from the same read; otherwise it also reads the free seats beside them.
GROUP = ONE_SEAT
GROUP_LOOKING_BESIDE = GROUP + 1
# The savepoint (and its release) that stands in the test's transaction for the transaction the
# sale and the key's record share; the record goes with the sale's writes, in their round trip
# on PostgreSQL, as a statement of its own on SQLite. Nothing is looked up before the sale.
IDEMPOTENCY_KEY = 2 if connection.vendor == "postgresql" else 3
# Nothing left of the stretches sold: on SQLite, one statement fewer.
NOTHING_LEFT = 0 if connection.vendor == "postgresql" else 1


def queries_for_a_booking(client, seat_count: int, headers: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            URL,
            {"train_number": 7, "seat_count": seat_count, "source": "B", "destination": "D"},
            format="json",
            headers=headers or {},
        )
    assert response.status_code == 201, response.content
    return len(captured.captured_queries)


@pytest.fixture
def train(make_train, owner_client):
    make_train(7, 50, "A", "B", "C", "D")
    # A first booking, so the counts below are those of a journey already selling.
    owner_client.post(URL, {"train_number": 7, "seat_count": 1}, format="json")


def test_a_booking_of_one_seat_takes_a_fixed_number_of_queries(owner_client, train):
    assert queries_for_a_booking(owner_client, 1) == ONE_SEAT


@pytest.mark.parametrize("seat_count", [2, 5, 10])
def test_a_group_takes_as_many_queries_as_one_seat_whatever_its_size(owner_client, train, seat_count):
    assert queries_for_a_booking(owner_client, seat_count) == GROUP


def test_a_group_that_must_look_beside_its_tightest_seats_takes_one_query_more(owner_client, train, settings):
    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = 50
    whole_route = [
        owner_client.post(URL, {"train_number": 7, "seat_count": 7}, format="json").json()["booking_id"]
        for _ in range(4)
    ]
    short = owner_client.post(URL, {"train_number": 7, "seat_count": 1, "destination": "B"}, format="json")
    assert short.json()["seat_numbers"] == [30]
    for booking_id in whole_route:
        assert owner_client.post(f"/user/cancel_booking/{booking_id}/").status_code == 200

    # Seat 30 alone fits B->D tightly; the first look holds it and seats 2 to 8, free end to end.
    # Seats 2 and 3 together span more legs than 29 and 30 might: seat 29 must be looked at.
    assert queries_for_a_booking(owner_client, 2) == GROUP_LOOKING_BESIDE


@pytest.mark.parametrize(("seat_count", "without_key"), [(1, ONE_SEAT), (3, GROUP)])
def test_an_idempotency_key_adds_a_fixed_number_of_queries(owner_client, train, seat_count, without_key):
    headers = {"Idempotency-Key": "k-1"}

    assert queries_for_a_booking(owner_client, seat_count, headers) == without_key + IDEMPOTENCY_KEY


def test_the_count_does_not_grow_with_the_seats_the_journey_has_sold(
    owner_client, other_client, train, settings
):
    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = 50
    for client in (owner_client, other_client):
        for _ in range(10):
            booked = client.post(URL, {"train_number": 7, "seat_count": 2, "destination": "B"}, format="json")
            assert booked.status_code == 201, booked.content

    # Seats 2..41 are free from B on: they fit B->D exactly, so no free stretch is left to write.
    assert queries_for_a_booking(owner_client, 1) == ONE_SEAT - NOTHING_LEFT
    assert queries_for_a_booking(other_client, 4) == GROUP - NOTHING_LEFT
