"""A train lock that cannot be had in time is a clean, retryable 503, never a hung request or a 500."""

import sqlite3

import psycopg2
import pytest
from django.db import connection

from bookings.models import Booking, IdempotencyRecord

pytestmark = pytest.mark.django_db(transaction=True)


def hold_train_lock(train_pk: int):
    """Open a second, independent connection that holds the train's row (or the database) locked."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        other = psycopg2.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"],
            host=settings["HOST"],
            port=settings["PORT"] or 5432,
        )
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM trains_train WHERE id = %s FOR UPDATE", [train_pk])
        return other
    other = sqlite3.connect(settings["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


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
        other.rollback() if connection.vendor == "postgresql" else other.execute("ROLLBACK")
        other.close()
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
