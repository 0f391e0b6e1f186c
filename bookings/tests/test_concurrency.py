"""Real concurrency: many threads, each on its own database connection, hit the HTTP API at once.

Every request gets its own APIClient and (except where the test is about one user)
its own user's token, created before any thread starts. A pool of worker threads
waits on a barrier and then drains the queue of requests together, so that the
requests really overlap while staying well inside PostgreSQL's connection limit.
"""

import queue
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bookings.allocation import free_seats, segment_mask
from bookings.models import Booking, BookingSeat
from bookings.tests.invariants import assert_inventory_is_consistent, seat_legs_held
from conftest import client_for
from trains.models import Train
from users.models import User

WORKERS = 32
BOOK_URL = "/user/book_seat/"

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Call:
    """One HTTP request to send from a worker thread, and what came back."""

    client: APIClient
    user_id: int
    method: str
    path: str
    data: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    body: Any = None
    replayed: bool = False

    def send(self) -> None:
        send = getattr(self.client, self.method)
        response = send(self.path, self.data, format="json", headers=self.headers)
        self.status = response.status_code
        self.body = response.json()
        self.replayed = response.headers.get("Idempotent-Replayed") == "true"


def run_together(calls: list[Call], workers: int = WORKERS) -> list[Call]:
    """Send all calls from a pool of threads released at once by a barrier; return the calls."""
    pending: queue.SimpleQueue[Call] = queue.SimpleQueue()
    for call in calls:
        pending.put(call)
    pool_size = min(workers, len(calls))
    barrier = threading.Barrier(pool_size)
    errors: list[BaseException] = []
    in_flight_lock = threading.Lock()
    in_flight = peak_in_flight = 0

    def work() -> None:
        nonlocal in_flight, peak_in_flight
        try:
            barrier.wait(timeout=30)
            while True:
                try:
                    call = pending.get_nowait()
                except queue.Empty:
                    return
                with in_flight_lock:
                    in_flight += 1
                    peak_in_flight = max(peak_in_flight, in_flight)
                try:
                    call.send()
                finally:
                    with in_flight_lock:
                        in_flight -= 1
        except BaseException as error:  # re-raised in the main thread below
            errors.append(error)
        finally:
            # Each thread has its own connection; a left-open one would block the test database teardown.
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(pool_size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    if errors:
        raise errors[0]
    assert all(call.status is not None for call in calls)
    # Guard the test itself: requests must really have overlapped.
    assert pool_size == 1 or peak_in_flight > 1
    return calls


def make_passengers(count: int, prefix: str = "rider") -> list[User]:
    """Create `count` users, before any thread starts."""
    return User.objects.bulk_create(
        User(username=f"{prefix}{number}", email=f"{prefix}{number}@example.com") for number in range(count)
    )


def book_call(user: User, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Call:
    return Call(
        client=client_for(user),
        user_id=user.pk,
        method="post",
        path=BOOK_URL,
        data=payload,
        headers=headers or {},
    )


def cancel_call(user: User, booking_id: int) -> Call:
    return Call(
        client=client_for(user), user_id=user.pk, method="post", path=f"/user/cancel_booking/{booking_id}/"
    )


def statuses(calls: list[Call]) -> Counter[int]:
    return Counter(call.status for call in calls)


def occupied_masks(train: Train) -> dict[int, int]:
    masks: dict[int, int] = {}
    for leg, seat, _ in seat_legs_held(train):
        masks[seat] = masks.get(seat, 0) | 1 << leg
    return masks


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
    masks = occupied_masks(train)
    for call, (start, end) in zip(calls, segments, strict=True):
        if call.status == 409:
            free_now = free_seats(occupied=masks, total_seats=20, wanted=segment_mask(start, end))
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


def test_racing_cancellations_of_one_booking_succeed_exactly_once(make_train, owner, staff):
    train = make_train(504, 5, "Alpha", "Omega")
    booked = client_for(owner).post(BOOK_URL, {"train_number": 504, "seat_count": 3}, format="json")
    assert booked.status_code == 201
    booking_id = booked.json()["booking_id"]
    calls = [cancel_call(canceller, booking_id) for canceller in [owner, staff] * 10]

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


@pytest.mark.parametrize(
    "sql_engine",
    [True, False] if connection.vendor == "postgresql" else [False],
    ids=lambda sql_engine: "one-statement sale" if sql_engine else "python engine",
)
def test_racing_bookings_by_one_user_never_hold_more_than_the_cap(make_train, owner, settings, sql_engine):
    settings.BOOKING_SQL_ENGINE = sql_engine
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
