"""A journey's seats on a segment stop being sold when the train leaves the boarding station.

A booking cannot be cancelled once its train has left the boarding station. A train whose
timetable gives no times (added as the original spec adds trains) has no known departure: its
journeys are sold, and cancelled, until the end of their boarding date.
"""

import datetime

import pytest
import time_machine

from bookings.models import Booking
from bookings.tests.client_calls import booked
from railway.tests.bodies import error_body
from trains.models import Stop

BOOK_URL = "/user/book_seat/"
HOURS = datetime.timedelta(hours=1)
DAY = datetime.date(2026, 11, 26)


def at(hour: int, minute: int = 0, day: datetime.date = DAY):
    """Stop the clock at that time of `day` (the tests' TIME_ZONE is UTC)."""
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC), tick=False
    )


@pytest.fixture
def morning_train(make_train):
    """Train 21 leaves A at 08:00, calls at B at 09:00 (leaving 09:05) and reaches C at 10:00."""
    train = make_train(21, 10, "A", "B", "C")
    train.departs_at = datetime.time(8, 0)
    train.save(update_fields=["departs_at"])
    for position, (arrival, departure) in enumerate([(None, 0), (1, 1 + 5 / 60), (2, None)]):
        Stop.objects.filter(train=train, position=position).update(
            arrival=None if arrival is None else arrival * HOURS,
            departure=None if departure is None else departure * HOURS,
        )
    return train


def book(client, train_number=21, **fields):
    return client.post(BOOK_URL, {"train_number": train_number, "seat_count": 1, **fields}, format="json")


def test_seats_are_sold_until_the_train_leaves_the_boarding_station(owner_client, morning_train):
    with at(7, 59):
        assert book(owner_client).status_code == 201
    with at(8, 0):
        refused = book(owner_client)

    assert refused.status_code == 400
    body = error_body(refused)
    assert body["code"] == "train_departed"
    assert "2026-11-26T08:00:00+00:00" in body["journey_date"][0]


def test_a_later_stop_is_still_sold_after_the_train_left_its_first(owner_client, morning_train):
    with at(9, 4):
        from_b = book(owner_client, source="B", destination="C")
        from_a = book(owner_client, source="A", destination="C")

    assert from_b.status_code == 201, from_b.content
    assert error_body(from_a)["code"] == "train_departed"


def test_sales_close_the_configured_minutes_before_departure(owner_client, morning_train, settings):
    settings.BOOKING_CLOSES_MINUTES_BEFORE_DEPARTURE = 30
    with at(7, 29):
        assert book(owner_client).status_code == 201
    with at(7, 30):
        assert error_body(book(owner_client))["code"] == "train_departed"


def test_a_train_added_without_times_is_sold_all_day(owner_client, make_train):
    make_train(22, 10, "A", "B")
    with at(23, 59):
        response = book(owner_client, train_number=22)

    assert response.status_code == 201, response.content


def test_a_booking_is_cancelled_until_the_train_leaves_the_boarding_station(owner_client, morning_train):
    with at(7):
        first = booked(owner_client, 21, 1, source="B", destination="C")
        second = booked(owner_client, 21, 1, source="B", destination="C")
    with at(9, 4):
        assert owner_client.post(f"/user/cancel_booking/{first['booking_id']}/").status_code == 200
    with at(9, 5):
        refused = owner_client.post(f"/user/cancel_booking/{second['booking_id']}/")

    assert refused.status_code == 400
    assert error_body(refused)["code"] == "train_departed"
    assert Booking.objects.get(pk=second["booking_id"]).status == "confirmed"


def test_a_booking_on_a_train_without_times_is_cancelled_until_the_end_of_its_date(owner_client, make_train):
    make_train(22, 10, "A", "B")
    with at(9):
        first = booked(owner_client, 22, 1)
        second = booked(owner_client, 22, 1)
    with at(23, 59):
        assert owner_client.post(f"/user/cancel_booking/{first['booking_id']}/").status_code == 200
    with at(0, 1, day=DAY + datetime.timedelta(days=1)):
        refused = owner_client.post(f"/user/cancel_booking/{second['booking_id']}/")

    assert error_body(refused)["code"] == "train_departed"
    assert Booking.objects.get(pk=second["booking_id"]).status == "confirmed"
