"""A journey lock that cannot be had in time is a clean, retryable 503, never a hung request or a 500."""

import pytest
from django.db import connection

from bookings.models import Booking, IdempotencyRecord
from bookings.services import journey_date_default
from bookings.tests.locks import hold_journey_lock, hold_train_lock, release_train_lock

pytestmark = pytest.mark.django_db(transaction=True)


def hold_the_journey(train_pk: int):
    """Hold the journey's lock from another connection: its row on PostgreSQL, the database on SQLite."""
    if connection.vendor == "postgresql":
        # A new session of the service's, which starts with the role's lock_timeout (docs/deploy.md).
        connection.close()
        return hold_journey_lock(train_pk, journey_date_default())
    holder = hold_train_lock(train_pk)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 200")
    return holder


def test_a_booking_that_cannot_get_its_journey_lock_is_refused_with_503_and_leaves_nothing(
    owner_client, make_train
):
    train = make_train(7, 5, "A", "B", "C")
    first = owner_client.post("/user/book_seat/", {"train_number": 7, "seat_count": 1}, format="json")
    assert first.status_code == 201
    holder = hold_the_journey(train.pk)
    try:
        response = owner_client.post(
            "/user/book_seat/",
            {"train_number": 7, "seat_count": 1},
            format="json",
            headers={"Idempotency-Key": "retry-me"},
        )
    finally:
        release_train_lock(holder)
        connection.close()

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "service_busy"
    assert Booking.objects.count() == 1
    # The key was not spent: the retry books for real.
    assert IdempotencyRecord.objects.count() == 0
    retry = owner_client.post(
        "/user/book_seat/",
        {"train_number": 7, "seat_count": 1},
        format="json",
        headers={"Idempotency-Key": "retry-me"},
    )
    assert retry.status_code == 201
    assert Booking.objects.count() == 2
