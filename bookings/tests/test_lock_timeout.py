"""A train lock that cannot be had in time is a clean, retryable 503, never a hung request or a 500."""

import pytest
from django.db import connection

from bookings.models import Booking, IdempotencyRecord
from bookings.tests.locks import hold_train_lock, release_train_lock

pytestmark = pytest.mark.django_db(transaction=True)


def shorten_lock_wait() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET lock_timeout = '200ms'")
        else:
            cursor.execute("PRAGMA busy_timeout = 200")


def test_a_booking_that_cannot_get_the_lock_is_refused_with_503_and_leaves_nothing(owner_client, make_train):
    train = make_train(7, 5, "A", "B", "C")
    other = hold_train_lock(train.pk)
    try:
        shorten_lock_wait()
        response = owner_client.post(
            "/user/book_seat/",
            {"train_number": 7, "seat_count": 1},
            format="json",
            headers={"Idempotency-Key": "retry-me"},
        )
    finally:
        release_train_lock(other)
        connection.close()

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "service_busy"
    assert Booking.objects.count() == 0
    # The key was not spent: the retry books for real.
    assert IdempotencyRecord.objects.count() == 0
    retry = owner_client.post(
        "/user/book_seat/",
        {"train_number": 7, "seat_count": 1},
        format="json",
        headers={"Idempotency-Key": "retry-me"},
    )
    assert retry.status_code == 201
    assert Booking.objects.count() == 1
