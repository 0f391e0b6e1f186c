"""Booking a journey: a train on the date it leaves its first station, within the booking window.

Today is pinned to Thursday 26 November 2026 (the service's TIME_ZONE is UTC in tests).
"""

import datetime

import pytest
import time_machine

from bookings.models import Booking, BookingSeat, FreeStretch, Journey
from bookings.tests.invariants import assert_inventory_is_consistent
from railway.tests.bodies import error_body
from trains.models import ServiceException, Stop

BOOK_URL = "/user/book_seat/"
TODAY = datetime.date(2026, 11, 26)
TOMORROW = TODAY + datetime.timedelta(days=1)
HOURS = datetime.timedelta(hours=1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC)):
        yield


def book(client, train_number, seat_count=1, **fields):
    return client.post(
        BOOK_URL, {"train_number": train_number, "seat_count": seat_count, **fields}, format="json"
    )


@pytest.fixture
def overnight(make_train):
    """A night train leaving A at 20:00, calling at B at 03:00 and reaching C at 08:00 the next day."""
    train = make_train(12951, 3, "A", "B", "C")
    train.departs_at = datetime.time(20, 0)
    train.save(update_fields=["departs_at"])
    for position, (arrival, departure) in enumerate([(None, 0), (7, 7.25), (12, None)]):
        Stop.objects.filter(train=train, position=position).update(
            arrival=None if arrival is None else arrival * HOURS,
            departure=None if departure is None else departure * HOURS,
        )
    return train


# --- The date of a booking -------------------------------------------------------------------


def test_a_booking_without_a_date_rides_todays_journey(owner_client, make_train):
    make_train(7, 5, "A", "B")

    response = book(owner_client, 7)

    assert response.status_code == 201, response.content
    assert response.json()["journey_date"] == "2026-11-26"
    assert Booking.objects.get().journey_date == TODAY


def test_a_booking_rides_the_journey_of_the_date_given(owner_client, make_train):
    make_train(7, 5, "A", "B")

    response = book(owner_client, 7, journey_date="2026-12-24")

    assert response.status_code == 201, response.content
    assert response.json()["journey_date"] == "2026-12-24"
    assert list(Journey.objects.values_list("date", flat=True)) == [datetime.date(2026, 12, 24)]


def test_the_same_seat_is_sold_on_two_dates_and_once_on_each(owner_client, other_client, make_train):
    make_train(7, 1, "A", "B", "C")

    first = book(owner_client, 7, journey_date="2026-11-30")
    second = book(other_client, 7, journey_date="2026-12-01")
    third = book(other_client, 7, journey_date="2026-11-30")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["seat_numbers"] == second.json()["seat_numbers"] == [1]
    assert third.status_code == 409
    assert error_body(third) == {
        "detail": "Not enough seats are free on this segment.",
        "code": "insufficient_seats",
        "available_seats": 0,
    }


def test_a_journey_gets_its_seats_with_its_first_booking_and_no_sooner(owner_client, make_train):
    train = make_train(7, 4, "A", "B")
    assert not Journey.objects.filter(train=train).exists()
    assert not FreeStretch.objects.filter(train=train).exists()

    book(owner_client, 7, journey_date="2026-12-02")
    book(owner_client, 7, journey_date="2026-12-02")

    assert list(Journey.objects.filter(train=train).values_list("date", flat=True)) == [
        datetime.date(2026, 12, 2)
    ]
    # Seats 1 and 2 are sold on the route's one leg; 3 and 4 are free on it.
    free = FreeStretch.objects.filter(train=train).order_by("seat_number")
    assert list(free.values_list("journey_date", "seat_number", "from_position", "to_position")) == [
        (datetime.date(2026, 12, 2), number, 0, 1) for number in (3, 4)
    ]
    assert_inventory_is_consistent(train)


def test_cancelling_frees_the_seat_on_its_own_date_only(owner_client, other_client, make_train):
    train = make_train(7, 1, "A", "B")
    monday = book(owner_client, 7, journey_date="2026-11-30").json()
    book(owner_client, 7, journey_date="2026-12-01")

    assert owner_client.post(f"/user/cancel_booking/{monday['booking_id']}/").status_code == 200

    assert book(other_client, 7, journey_date="2026-11-30").status_code == 201
    assert book(other_client, 7, journey_date="2026-12-01").status_code == 409
    assert BookingSeat.objects.filter(journey_date=datetime.date(2026, 12, 1)).count() == 1
    assert_inventory_is_consistent(train)


def test_the_seat_cap_counts_one_journey_at_a_time(owner_client, make_train, settings):
    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = 3
    make_train(7, 10, "A", "B")

    assert book(owner_client, 7, 3, journey_date="2026-11-30").status_code == 201
    assert book(owner_client, 7, 3, journey_date="2026-12-01").status_code == 201
    refused = book(owner_client, 7, 1, journey_date="2026-11-30")

    assert refused.status_code == 409
    assert error_body(refused)["code"] == "seat_cap_reached"


def test_the_booking_list_shows_each_bookings_journey_date(owner, owner_client, make_train):
    make_train(7, 5, "A", "B")
    book(owner_client, 7, journey_date="2026-12-24")
    book(owner_client, 7)

    listed = owner_client.get(f"/user/get_booking_details/{owner.pk}/").json()

    assert [booking["journey_date"] for booking in listed] == ["2026-11-26", "2026-12-24"]


def test_an_idempotency_key_sent_again_for_another_date_is_refused(owner_client, make_train):
    make_train(7, 5, "A", "B")
    headers = {"Idempotency-Key": "trip-1"}

    first = owner_client.post(
        BOOK_URL,
        {"train_number": 7, "seat_count": 1, "journey_date": "2026-12-01"},
        format="json",
        headers=headers,
    )
    again = owner_client.post(
        BOOK_URL,
        {"train_number": 7, "seat_count": 1, "journey_date": "2026-12-02"},
        format="json",
        headers=headers,
    )

    assert first.status_code == 201
    assert again.status_code == 422
    assert Booking.objects.count() == 1


# --- The booking window ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "journey_date", ["26-11-2026", "2026-02-30", "tomorrow", "2026-11-26T10:00:00", 20261126]
)
def test_a_journey_date_that_is_not_an_iso_date_is_a_400(owner_client, make_train, journey_date):
    make_train(7, 5, "A", "B")

    response = book(owner_client, 7, journey_date=journey_date)

    assert response.status_code == 400
    body = error_body(response)
    assert set(body) == {"journey_date", "code"}
    assert body["code"] == "invalid"
    assert not Booking.objects.exists()


def test_a_past_date_is_refused_with_a_400_that_says_so(owner_client, make_train):
    make_train(7, 5, "A", "B")

    response = book(owner_client, 7, journey_date="2026-11-25")

    assert response.status_code == 400
    assert error_body(response) == {
        "journey_date": [
            "This journey leaves your boarding station on 2026-11-25, which is past; "
            "book a journey from today (2026-11-26) on."
        ],
        "code": "journey_date_past",
    }
    assert not Journey.objects.exists()


def test_dates_up_to_the_horizon_are_bookable_and_later_ones_refused(owner_client, make_train, settings):
    settings.BOOKING_HORIZON_DAYS = 120
    make_train(7, 5, "A", "B")
    last = TODAY + datetime.timedelta(days=120)

    accepted = book(owner_client, 7, journey_date=last.isoformat())
    refused = book(owner_client, 7, journey_date=(last + datetime.timedelta(days=1)).isoformat())

    assert accepted.status_code == 201, accepted.content
    assert refused.status_code == 400
    assert error_body(refused) == {
        "journey_date": [
            "Bookings open 120 days ahead: the last journey date you can book now is 2027-03-26."
        ],
        "code": "journey_date_beyond_horizon",
    }


def test_a_day_the_train_does_not_run_is_refused_with_a_400_that_says_so(owner_client, make_train):
    train = make_train(7, 5, "A", "B")
    train.runs_on = 0b000_0001  # Mondays
    train.save(update_fields=["runs_on"])

    refused = book(owner_client, 7, journey_date="2026-12-01")
    accepted = book(owner_client, 7, journey_date="2026-11-30")

    assert refused.status_code == 400
    assert error_body(refused) == {
        "journey_date": [
            "Train 7 does not leave its first station on 2026-12-01; "
            "journey_date is the date it starts its journey."
        ],
        "code": "train_not_running",
    }
    assert accepted.status_code == 201
    assert list(Journey.objects.values_list("date", flat=True)) == [datetime.date(2026, 11, 30)]


def test_the_spec_call_without_a_date_is_refused_on_a_day_the_train_does_not_run(owner_client, make_train):
    train = make_train(7, 5, "A", "B")
    train.runs_on = 0b000_0001  # Mondays; today is a Thursday

    train.save(update_fields=["runs_on"])
    response = book(owner_client, 7)

    assert response.status_code == 400
    body = error_body(response)
    assert "does not leave its first station on 2026-11-26" in body["journey_date"][0]
    assert body["code"] == "train_not_running"


def test_exception_dates_override_the_weekdays_and_the_dates_of_service(owner_client, make_train):
    train = make_train(7, 5, "A", "B")
    train.runs_on, train.service_until = 0b000_0001, datetime.date(2026, 12, 31)
    train.save(update_fields=["runs_on", "service_until"])
    ServiceException.objects.create(train=train, date=datetime.date(2026, 12, 7), runs=False)
    ServiceException.objects.create(train=train, date=datetime.date(2026, 12, 9), runs=True)
    ServiceException.objects.create(train=train, date=datetime.date(2027, 1, 6), runs=True)

    statuses = {
        day: book(owner_client, 7, journey_date=day).status_code
        for day in ["2026-11-30", "2026-12-07", "2026-12-09", "2027-01-04", "2027-01-06"]
    }

    assert statuses == {
        "2026-11-30": 201,
        "2026-12-07": 400,
        "2026-12-09": 201,
        "2027-01-04": 400,
        "2027-01-06": 201,
    }


def test_a_refused_date_writes_nothing(owner_client, make_train):
    make_train(7, 5, "A", "B")

    for journey_date in ["2026-11-20", "2027-11-26"]:
        assert book(owner_client, 7, journey_date=journey_date).status_code == 400

    assert not Journey.objects.exists()
    assert not FreeStretch.objects.exists()
    assert not Booking.objects.exists()


# --- Journeys that cross midnight ------------------------------------------------------------


def test_yesterdays_night_train_is_bookable_from_a_stop_it_reaches_today(owner_client, overnight):
    # Yesterday's 20:00 departure leaves B at 03:15 today.
    with time_machine.travel(datetime.datetime(2026, 11, 26, 3, 14, tzinfo=datetime.UTC), tick=False):
        response = book(owner_client, 12951, journey_date="2026-11-25", source="B", destination="C")

    assert response.status_code == 201, response.content
    assert response.json()["journey_date"] == "2026-11-25"


def test_yesterdays_night_train_is_no_longer_sold_from_a_stop_it_left_this_morning(owner_client, overnight):
    response = book(owner_client, 12951, journey_date="2026-11-25", source="B", destination="C")

    assert response.status_code == 400
    assert error_body(response)["code"] == "train_departed"


def test_yesterdays_night_train_is_past_for_its_first_station(owner_client, overnight):
    response = book(owner_client, 12951, journey_date="2026-11-25", source="A", destination="B")

    assert response.status_code == 400
    body = error_body(response)
    assert "leaves your boarding station on 2026-11-25" in body["journey_date"][0]
    assert body["code"] == "journey_date_past"


def test_a_night_train_is_past_from_a_stop_it_left_yesterday(owner_client, overnight):
    # The journey of the 24th left B at 03:15 on the 25th.
    response = book(owner_client, 12951, journey_date="2026-11-24", source="B", destination="C")

    assert response.status_code == 400
    body = error_body(response)
    assert "leaves your boarding station on 2026-11-25" in body["journey_date"][0]
    assert body["code"] == "journey_date_past"


def test_the_running_days_are_those_of_the_first_station(owner_client, overnight):
    overnight.runs_on = 0b000_1000  # Thursdays: it reaches B on Fridays
    overnight.save(update_fields=["runs_on"])

    thursday = book(owner_client, 12951, journey_date="2026-11-26", source="B", destination="C")
    friday = book(owner_client, 12951, journey_date="2026-11-27", source="B", destination="C")

    assert thursday.status_code == 201
    assert friday.status_code == 400
    assert error_body(friday)["code"] == "train_not_running"


@pytest.mark.parametrize(
    ("journey_date", "code"),
    [("9999-12-31", "journey_date_beyond_horizon"), ("0001-01-01", "journey_date_past")],
)
def test_the_ends_of_the_calendar_are_refused_like_any_date_outside_the_window(
    owner_client, overnight, journey_date, code
):
    response = book(owner_client, 12951, journey_date=journey_date, source="B", destination="C")

    assert response.status_code == 400
    body = error_body(response)
    assert set(body) == {"journey_date", "code"}
    assert body["code"] == code
