"""Two app servers on one database sell one train's seats together without ever selling a seat twice.

Two production gunicorn servers (two workers each) share one PostgreSQL database and nothing
else, not even a control socket on the host. Sixteen passengers, half on each server, race to
book one small train with intermediate stops, on the whole route and on random segments, until
every seat is sold on every leg. The database's lock and constraints are all that coordinates
the servers, and they suffice: every 201 is a stored booking with the seats it named, every
409 left nothing behind, and no leg is sold past its seats or has a seat sold twice.
"""

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection

from bookings.models import Booking, IdempotencyRecord
from bookings.tests.invariants import assert_inventory_is_consistent, seat_legs_held
from railway.tests.faults import AVAILABILITY_URL, BOOK_URL, Answer, passenger, send, unix_socket_paths
from railway.tests.servers import GunicornServer, gunicorn_server

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="app servers scale out on a database server they share, not on an SQLite file",
    ),
]

STOPS = ["Mumbai", "Surat", "Vadodara", "Ratlam", "Kota"]
LEGS = len(STOPS) - 1
SEATS = 30
PASSENGERS = 16
# Each passenger books random segments first, then single legs until every leg is sold out.
RANDOM_BOOKINGS_PER_PASSENGER = 3
MOST_SINGLE_LEG_BOOKINGS_PER_PASSENGER = 40


@dataclass(frozen=True)
class Sale:
    """One booking request as sent, with the server it went to, its answer and when it was in flight."""

    server: int
    user_id: int
    payload: dict[str, Any]
    answer: Answer
    sent_at: float
    answered_at: float


class SoldOutLegs:
    """The legs that a refusal has shown sold out, shared by the passengers' threads."""

    def __init__(self) -> None:
        self._legs: set[int] = set()
        self._lock = threading.Lock()

    def add(self, leg: int) -> None:
        with self._lock:
            self._legs.add(leg)

    def open_legs(self) -> list[int]:
        with self._lock:
            return [leg for leg in range(LEGS) if leg not in self._legs]


def random_segment(rng: random.Random) -> tuple[int, int]:
    """Return (from, to) stop positions: the whole route half the time, else a random segment."""
    if rng.random() < 0.5:
        return 0, LEGS
    start = rng.randrange(LEGS)
    return start, rng.randrange(start + 1, LEGS + 1)


def booking_payload(start: int, end: int, seat_count: int) -> dict[str, Any]:
    return {"train_number": 9101, "seat_count": seat_count, "source": STOPS[start], "destination": STOPS[end]}


def passenger_books_until_sold_out(
    servers: list[GunicornServer], number: int, rider, sold_out: SoldOutLegs, start: threading.Barrier
) -> list[Sale]:
    """Book random segments, then single seats on legs not yet sold out; return every sale attempted.

    The first booking waits at `start` until every passenger is ready to send theirs.
    """
    server_index = number % len(servers)
    rng = random.Random(number)
    sales: list[Sale] = []

    def book(payload: dict[str, Any]) -> Answer:
        sent_at = time.monotonic()
        answer = send(servers[server_index], "POST", BOOK_URL, payload, headers=rider.headers)
        sales.append(
            Sale(
                server=server_index,
                user_id=rider.user.pk,
                payload=payload,
                answer=answer,
                sent_at=sent_at,
                answered_at=time.monotonic(),
            )
        )
        return answer

    start.wait(timeout=60)
    for _ in range(RANDOM_BOOKINGS_PER_PASSENGER):
        book(booking_payload(*random_segment(rng), seat_count=rng.randint(1, 2)))
    for _ in range(MOST_SINGLE_LEG_BOOKINGS_PER_PASSENGER):
        open_legs = sold_out.open_legs()
        if not open_legs:
            break
        leg = rng.choice(open_legs)
        answer = book(booking_payload(leg, leg + 1, seat_count=1))
        if answer.status == 409 and answer.body["available_seats"] == 0:
            sold_out.add(leg)
    return sales


def assert_every_201_is_stored_as_answered(sales: list[Sale]) -> None:
    for sale in sales:
        booking = Booking.objects.get(pk=sale.answer.body["booking_id"])
        assert booking.user_id == sale.user_id
        assert booking.status == Booking.Status.CONFIRMED
        assert (booking.from_position, booking.to_position) == (
            STOPS.index(sale.payload["source"]),
            STOPS.index(sale.payload["destination"]),
        )
        assert booking.seat_numbers == sale.answer.body["seat_numbers"]
        assert len(booking.seat_numbers) == sale.payload["seat_count"]


def assert_no_seat_was_answered_twice_on_a_leg(sales: list[Sale]) -> None:
    """The clients' own view: no two 201s named one seat on one leg."""
    answered = Counter(
        (leg, seat)
        for sale in sales
        for seat in sale.answer.body["seat_numbers"]
        for leg in range(STOPS.index(sale.payload["source"]), STOPS.index(sale.payload["destination"]))
    )
    assert answered and max(answered.values()) == 1


def assert_bookings_to_the_two_servers_overlapped(booked: list[Sale]) -> None:
    """Assert that a booking sent to one server was in flight while one sent to the other was."""
    first, second = ([sale for sale in booked if sale.server == server] for server in (0, 1))
    assert any(a.sent_at < b.answered_at and b.sent_at < a.answered_at for a in first for b in second), (
        "the two servers never sold at the same time"
    )


def test_two_servers_on_one_database_sell_every_seat_of_every_leg_exactly_once(tmp_path, make_train):
    train = make_train(9101, SEATS, *STOPS)
    riders = [passenger(f"rider{number}") for number in range(PASSENGERS)]
    sold_out = SoldOutLegs()
    start = threading.Barrier(PASSENGERS)
    # Seat caps are not what this test is about: a passenger may book as often as the run needs.
    no_seat_cap = {"BOOKING_MAX_SEATS_PER_USER_PER_TRAIN": "10000"}
    with ExitStack() as stack:
        servers = [
            stack.enter_context(gunicorn_server(tmp_path, workers=2, env=no_seat_cap)) for _ in range(2)
        ]
        with ThreadPoolExecutor(PASSENGERS) as pool:
            runs = [
                pool.submit(passenger_books_until_sold_out, servers, number, rider, sold_out, start)
                for number, rider in enumerate(riders)
            ]
            sales = [sale for run in runs for sale in run.result(timeout=120)]
        whole_route = f"{AVAILABILITY_URL}?source={STOPS[0]}&destination={STOPS[-1]}"
        availability = [send(server, "GET", whole_route, headers=riders[0].headers) for server in servers]
        # Nor do they share a control socket on the host: at gunicorn's default path, one per user,
        # each would take it over from the other.
        assert [unix_socket_paths(server.process.pid) for server in servers] == [set(), set()]

    statuses = Counter(sale.answer.status for sale in sales)
    assert set(statuses) == {201, 409}, statuses
    booked = [sale for sale in sales if sale.answer.status == 201]
    refused = [sale for sale in sales if sale.answer.status == 409]
    assert {sale.answer.body["code"] for sale in refused} == {"insufficient_seats"}
    # Both servers sold seats, with bookings in flight to both at once.
    assert {sale.server for sale in booked} == {0, 1}
    assert_bookings_to_the_two_servers_overlapped(booked)

    assert_every_201_is_stored_as_answered(booked)
    # Refusals left nothing behind: exactly the answered bookings are stored.
    stored = sorted(Booking.objects.values_list("pk", flat=True))
    assert stored == sorted(sale.answer.body["booking_id"] for sale in booked)
    assert IdempotencyRecord.objects.count() == 0
    assert_no_seat_was_answered_twice_on_a_leg(booked)
    assert_inventory_is_consistent(train)
    # Sold out: every seat of every leg, once.
    sold_per_leg = Counter(leg for leg, _, _ in seat_legs_held(train))
    assert sold_per_leg == dict.fromkeys(range(LEGS), SEATS)
    assert [answer.body[0]["available_seats"] for answer in availability] == [0, 0]
