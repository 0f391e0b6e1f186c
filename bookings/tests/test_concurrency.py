"""Real concurrency: many threads, each on its own database connection, hit the HTTP API at once."""

import datetime
import random

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingSeat
from bookings.tests.concurrency import (
    BOOK_URL,
    book_call,
    cancel_call,
    make_passengers,
    run_together,
    statuses,
)
from bookings.tests.invariants import assert_inventory_is_consistent, seat_legs_held
from conftest import client_for
from trains.models import Train
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def seats_free_now(train: Train, start: int, end: int) -> set[int]:
    """Return the seats free on every leg from stop `start` to stop `end`, from the seats held."""
    sold = {seat for leg, seat, _ in seat_legs_held(train) if start <= leg < end}
    return set(range(1, train.total_seats + 1)) - sold


def test_two_hundred_racing_one_seat_bookings_sell_each_of_fifty_seats_exactly_once(make_train):
    train = make_train(501, 50, "Alpha", "Omega")
    calls = [book_call(user, {"train_number": 501, "seat_count": 1}) for user in make_passengers(200)]

    run_together(calls)

    assert statuses(calls) == {201: 50, 409: 150}
    sold = [seat for call in calls if call.status == 201 for seat in call.body["seat_numbers"]]
    assert sorted(sold) == list(range(1, 51))
    refusals = [call.body for call in calls if call.status == 409]
    assert all(body["code"] == "insufficient_seats" and body["available_seats"] == 0 for body in refusals)
    assert BookingSeat.objects.filter(train=train).count() == 50
    assert Booking.objects.filter(train=train, status=Booking.Status.CONFIRMED).count() == 50
    assert_inventory_is_consistent(train)
    availability = client_for(User.objects.first()).get(
        "/user/get_seat_availability/", {"source": "Alpha", "destination": "Omega"}
    )
    assert availability.status_code == 200
    assert availability.json()[0]["available_seats"] == 0


def test_racing_bookings_on_random_segments_never_oversell_a_leg(make_train):
    stops = ["Pune", "Lonavala", "Karjat", "Kalyan", "Dadar"]
    train = make_train(502, 20, *stops)
    chooser = random.Random(502)
    segments = [tuple(sorted(chooser.sample(range(len(stops)), 2))) for _ in range(200)]
    calls = [
        book_call(
            user,
            {
                "train_number": 502,
                "seat_count": chooser.randint(1, 3),
                "source": stops[start],
                "destination": stops[end],
            },
        )
        for user, (start, end) in zip(make_passengers(200), segments, strict=True)
    ]

    run_together(calls)

    assert set(statuses(calls)) <= {201, 409}
    assert statuses(calls)[201] > 0
    assert statuses(calls)[409] > 0
    confirmed = [call for call in calls if call.status == 201]
    assert Booking.objects.filter(train=train).count() == len(confirmed)
    for call in confirmed:
        booking = Booking.objects.get(pk=call.body["booking_id"])
        assert booking.status == Booking.Status.CONFIRMED
        assert booking.seat_numbers == call.body["seat_numbers"]
        assert booking.user_id == call.user_id
        assert len(booking.seat_numbers) == call.data["seat_count"]
    assert_inventory_is_consistent(train)
    # Seats are only ever sold here, so a request refused then is still refusable now:
    # no 409 was given while enough seats were free.
    for call, (start, end) in zip(calls, segments, strict=True):
        if call.status == 409:
            free_now = seats_free_now(train, start, end)
            assert len(free_now) < call.data["seat_count"]
            assert call.body["available_seats"] >= len(free_now)


def test_racing_retries_with_one_idempotency_key_book_once_and_get_the_same_answer(make_train, owner):
    train = make_train(503, 30, "Alpha", "Beta", "Gamma")
    payload = {"train_number": 503, "seat_count": 2, "source": "Alpha", "destination": "Beta"}
    calls = [book_call(owner, payload, {"Idempotency-Key": "checkout-7f3a"}) for _ in range(20)]

    run_together(calls, workers=20)

    assert statuses(calls) == {201: 20}
    assert all(call.body == calls[0].body for call in calls)
    assert sum(not call.replayed for call in calls) == 1
    assert Booking.objects.filter(train=train).count() == 1
    assert BookingSeat.objects.filter(train=train).count() == 2
    assert_inventory_is_consistent(train)


def test_racing_cancellations_of_one_booking_succeed_exactly_once(make_train, owner, booking_staff):
    train = make_train(504, 5, "Alpha", "Omega")
    booked = client_for(owner).post(BOOK_URL, {"train_number": 504, "seat_count": 3}, format="json")
    assert booked.status_code == 201
    booking_id = booked.json()["booking_id"]
    calls = [cancel_call(canceller, booking_id) for canceller in [owner, booking_staff] * 10]

    run_together(calls, workers=20)

    assert statuses(calls) == {200: 1, 409: 19}
    assert all(call.body["code"] == "already_cancelled" for call in calls if call.status == 409)
    assert Booking.objects.get(pk=booking_id).status == Booking.Status.CANCELLED
    assert not BookingSeat.objects.filter(train=train).exists()


def test_bookings_racing_with_cancellations_never_oversell(make_train):
    stops = ["Alpha", "Beta", "Gamma", "Delta"]
    train = make_train(505, 12, *stops)
    holders = make_passengers(12)
    first_bookings = []
    for holder in holders:
        response = client_for(holder).post(BOOK_URL, {"train_number": 505, "seat_count": 1}, format="json")
        assert response.status_code == 201
        first_bookings.append(response.json()["booking_id"])
    chooser = random.Random(505)
    newcomers = make_passengers(100, prefix="late")
    bookings = []
    for newcomer in newcomers:
        start, end = sorted(chooser.sample(range(len(stops)), 2))
        payload = {
            "train_number": 505,
            "seat_count": chooser.randint(1, 2),
            "source": stops[start],
            "destination": stops[end],
        }
        bookings.append(book_call(newcomer, payload))
    cancellations = [
        cancel_call(holder, booking_id) for holder, booking_id in zip(holders, first_bookings, strict=True)
    ]
    calls = bookings + cancellations
    chooser.shuffle(calls)

    run_together(calls)

    assert statuses(cancellations) == {200: 12}
    assert set(statuses(bookings)) <= {201, 409}
    assert statuses(bookings)[201] > 0
    assert (
        Booking.objects.filter(train=train, status=Booking.Status.CONFIRMED).count()
        == statuses(bookings)[201]
    )
    for call in bookings:
        if call.status == 201:
            assert Booking.objects.get(pk=call.body["booking_id"]).seat_numbers == call.body["seat_numbers"]
    assert_inventory_is_consistent(train)


def test_racing_requests_reusing_one_idempotency_key_for_different_bodies_book_once(make_train, owner):
    train = make_train(506, 30, "Alpha", "Beta", "Gamma")
    calls = [
        book_call(owner, {"train_number": 506, "seat_count": count}, {"Idempotency-Key": "checkout-9c1e"})
        for count in [1, 2, 3, 4] * 5
    ]

    run_together(calls, workers=20)

    assert statuses(calls) == {201: 5, 422: 15}
    (booking,) = Booking.objects.filter(train=train)
    assert all(call.data["seat_count"] == booking.seat_count for call in calls if call.status == 201)
    assert all(call.body["code"] == "idempotency_key_reused" for call in calls if call.status == 422)
    assert_inventory_is_consistent(train)


def test_racing_bookings_by_one_user_never_hold_more_than_the_cap(make_train, owner, settings):
    cap = settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN
    train = make_train(507, 500, "Alpha", "Beta", "Gamma")
    chooser = random.Random(507)
    calls = [book_call(owner, {"train_number": 507, "seat_count": chooser.randint(1, 3)}) for _ in range(60)]

    run_together(calls)

    assert set(statuses(calls)) == {201, 409}
    held = sum(call.data["seat_count"] for call in calls if call.status == 201)
    assert held <= cap
    confirmed = Booking.objects.filter(train=train, user=owner, status=Booking.Status.CONFIRMED)
    assert sum(booking.seat_count for booking in confirmed) == held
    refused = [call for call in calls if call.status == 409]
    assert all(call.body["code"] == "seat_cap_reached" for call in refused)
    # Seats are only ever added here, so each refusal was right then and is right now.
    assert all(call.body["seats_held"] + call.data["seat_count"] > cap for call in refused)
    assert all(held + call.data["seat_count"] > cap for call in refused)
    assert_inventory_is_consistent(train)


def test_one_users_bookings_racing_on_many_journeys_never_pass_the_cap_across_journeys(
    make_train, owner, settings
):
    settings.BOOKING_MAX_SEATS_PER_USER = 12
    trains = [make_train(520 + number, 100, "Alpha", "Omega") for number in range(4)]
    days_ahead = [(timezone.localdate() + datetime.timedelta(days=days)).isoformat() for days in range(3)]
    chooser = random.Random(520)
    calls = [
        book_call(
            owner,
            {
                "train_number": chooser.choice(trains).train_number,
                "journey_date": chooser.choice(days_ahead),
                "seat_count": chooser.randint(1, 3),
            },
        )
        for _ in range(48)
    ]

    run_together(calls)

    assert set(statuses(calls)) == {201, 409}
    held = sum(call.data["seat_count"] for call in calls if call.status == 201)
    assert held <= 12
    confirmed = Booking.objects.filter(user=owner, status=Booking.Status.CONFIRMED)
    assert sum(booking.seat_count for booking in confirmed) == held
    refused = [call for call in calls if call.status == 409]
    assert all(call.body["seat_cap_scope"] == "all_journeys" for call in refused)
    assert all(held + call.data["seat_count"] > 12 for call in refused)
    for train in trains:
        assert_inventory_is_consistent(train)


def test_one_users_bookings_racing_with_their_cancellations_never_pass_the_cap(make_train, owner, settings):
    cap = settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN
    train = make_train(508, 500, "Alpha", "Omega")
    first_bookings = [
        client_for(owner).post(BOOK_URL, {"train_number": 508, "seat_count": 2}, format="json").json()
        for _ in range(cap // 2)
    ]
    assert all("booking_id" in booking for booking in first_bookings)
    bookings = [book_call(owner, {"train_number": 508, "seat_count": 2}) for _ in range(40)]
    cancellations = [cancel_call(owner, booking["booking_id"]) for booking in first_bookings]
    calls = bookings + cancellations
    random.Random(508).shuffle(calls)

    run_together(calls)

    assert statuses(cancellations) == {200: len(first_bookings)}
    assert statuses(bookings)[201] >= 1
    assert all(call.body["code"] == "seat_cap_reached" for call in bookings if call.status == 409)
    confirmed = Booking.objects.filter(train=train, user=owner, status=Booking.Status.CONFIRMED)
    assert sum(booking.seat_count for booking in confirmed) <= cap
    assert_inventory_is_consistent(train)
