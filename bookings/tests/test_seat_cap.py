"""POST /user/book_seat/: one user may hold at most so many confirmed seats on one journey, and on all.

The caps are BOOKING_MAX_SEATS_PER_USER_PER_TRAIN, 20 by default, on one journey (a train on a
date), and BOOKING_MAX_SEATS_PER_USER, 60 by default, on every journey not yet started. Racing
sales are tested in test_concurrency.py.
"""

import datetime

import pytest
import time_machine
from django.utils import timezone

from bookings.models import Booking, IdempotencyRecord
from railway.tests.bodies import error_body

URL = "/user/book_seat/"


@pytest.fixture
def train(make_train):
    return make_train(7, 100, "A", "B", "C")


def book(client, seat_count, train_number=7, headers=None, **segment):
    return client.post(
        URL,
        {"train_number": train_number, "seat_count": seat_count, **segment},
        format="json",
        headers=headers or {},
    )


def hold(client, seats, train_number=7, **segment):
    """Book `seats` seats in bookings of at most 10, and return the booking ids."""
    ids = []
    while seats > 0:
        response = book(client, min(seats, 10), train_number, **segment)
        assert response.status_code == 201, response.content
        ids.append(response.json()["booking_id"])
        seats -= min(seats, 10)
    return ids


def test_the_default_cap_is_20_seats(settings):
    assert settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN == 20


def test_a_user_may_hold_exactly_the_cap(owner_client, train):
    hold(owner_client, 20)

    assert sum(Booking.objects.filter(train=train).values_list("seat_count", flat=True)) == 20


def test_a_booking_past_the_cap_is_refused_with_409_naming_the_cap_and_the_seats_held(owner_client, train):
    hold(owner_client, 18)

    response = book(owner_client, 3)

    assert response.status_code == 409
    assert error_body(response) == {
        "detail": "One passenger may hold at most 20 seats on a journey; you hold 18 on this one.",
        "code": "seat_cap_reached",
        "seat_cap": 20,
        "seat_cap_scope": "journey",
        "seats_held": 18,
    }
    assert Booking.objects.filter(train=train).count() == 2


def test_the_seats_left_under_the_cap_can_still_be_booked(owner_client, train):
    hold(owner_client, 18)
    assert book(owner_client, 3).status_code == 409

    assert book(owner_client, 2).status_code == 201
    assert book(owner_client, 1).json()["seats_held"] == 20


def test_cancelling_frees_the_cap(owner_client, train):
    first, _ = hold(owner_client, 20)
    assert book(owner_client, 1).status_code == 409

    owner_client.post(f"/user/cancel_booking/{first}/")

    assert book(owner_client, 10).status_code == 201
    assert book(owner_client, 1).json()["code"] == "seat_cap_reached"


def test_seats_on_different_segments_of_the_route_all_count(owner_client, train):
    hold(owner_client, 10, source="A", destination="B")
    hold(owner_client, 10, source="B", destination="C")

    response = book(owner_client, 1, source="A", destination="B")

    assert response.status_code == 409
    assert response.json()["seats_held"] == 20


def test_the_cap_is_per_train(owner_client, train, make_train):
    make_train(8, 100, "A", "C")
    hold(owner_client, 20)

    assert book(owner_client, 10, train_number=8).status_code == 201


def test_the_cap_is_per_user(owner_client, other_client, train):
    hold(owner_client, 20)

    assert book(other_client, 10).status_code == 201


def test_staff_are_capped_like_everyone(staff_client, train):
    hold(staff_client, 20)

    assert book(staff_client, 1).json()["code"] == "seat_cap_reached"


def test_the_cap_comes_from_the_setting(owner_client, train, settings):
    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = 3
    hold(owner_client, 2)

    response = book(owner_client, 2)

    assert response.status_code == 409
    assert response.json()["seat_cap"] == 3
    assert response.json()["seats_held"] == 2


def test_a_station_off_the_route_is_still_a_400_at_the_cap(owner_client, train):
    hold(owner_client, 20)

    response = book(owner_client, 1, source="Nowhere")

    assert response.status_code == 400
    assert "source" in response.json()


def test_a_refusal_sent_with_an_idempotency_key_is_stored_and_replayed(owner_client, train):
    first, _ = hold(owner_client, 20)
    key = {"Idempotency-Key": "cap-1"}
    refused = book(owner_client, 1, headers=key)
    owner_client.post(f"/user/cancel_booking/{first}/")

    retry = book(owner_client, 1, headers=key)

    assert refused.status_code == retry.status_code == 409
    assert retry.json() == refused.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.get(key="cap-1").response_status == 409
    assert book(owner_client, 1, headers={"Idempotency-Key": "cap-2"}).status_code == 201


# --- Across journeys -------------------------------------------------------------------------


@pytest.fixture
def daily(make_train):
    """A 100-seat train running every day, booked on dates ahead."""
    return make_train(9, 100, "A", "B")


def date_ahead(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_the_default_cap_across_journeys_is_60_seats(settings):
    assert settings.BOOKING_MAX_SEATS_PER_USER == 60


def test_seats_on_every_journey_ahead_count_against_the_cap_across_journeys(owner_client, daily, train):
    for days in (1, 2, 3):
        hold(owner_client, 20, train_number=9, journey_date=date_ahead(days))

    response = book(owner_client, 1, train_number=7)

    assert response.status_code == 409
    assert error_body(response) == {
        "detail": "One passenger may hold at most 60 seats on all journeys not yet started; you hold 60.",
        "code": "seat_cap_reached",
        "seat_cap": 60,
        "seat_cap_scope": "all_journeys",
        "seats_held": 60,
    }


def test_the_journey_cap_is_named_first_when_both_are_reached(owner_client, daily, settings):
    settings.BOOKING_MAX_SEATS_PER_USER = 20
    hold(owner_client, 20, train_number=9, journey_date=date_ahead(1))

    response = book(owner_client, 1, train_number=9, journey_date=date_ahead(1))

    assert response.json()["seat_cap_scope"] == "journey"
    assert book(owner_client, 1, train_number=9, journey_date=date_ahead(2)).json()["seat_cap_scope"] == (
        "all_journeys"
    )


def test_cancelled_seats_and_journeys_already_started_leave_the_cap_across_journeys(
    owner_client, daily, settings
):
    settings.BOOKING_MAX_SEATS_PER_USER = 15
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3), tick=False):
        hold(owner_client, 10, train_number=9)
    [cancelled] = hold(owner_client, 10, train_number=9, journey_date=date_ahead(1))
    owner_client.post(f"/user/cancel_booking/{cancelled}/")

    assert book(owner_client, 10, train_number=9, journey_date=date_ahead(2)).status_code == 201
    assert book(owner_client, 5, train_number=9).status_code == 201
    assert book(owner_client, 1, train_number=9).json()["seat_cap_scope"] == "all_journeys"


def test_the_cap_across_journeys_comes_from_the_setting_and_is_per_user(
    owner_client, other_client, daily, settings
):
    settings.BOOKING_MAX_SEATS_PER_USER = 4
    hold(owner_client, 3, train_number=9, journey_date=date_ahead(1))

    refused = book(owner_client, 2, train_number=9, journey_date=date_ahead(2))

    assert refused.status_code == 409
    assert (refused.json()["seat_cap"], refused.json()["seats_held"]) == (4, 3)
    assert book(other_client, 4, train_number=9, journey_date=date_ahead(2)).status_code == 201
