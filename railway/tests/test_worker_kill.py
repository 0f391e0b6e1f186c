"""A worker killed outright (SIGKILL, the OOM killer) mid-booking: all or nothing, and the retry books once.

The client of a killed worker gets no answer at all. Whatever the kill interrupted, the database
holds the whole booking (its seats and its Idempotency-Key's record) or nothing of it, and the
client's retry with the same key ends with exactly one booking. gunicorn's master replaces the
dead worker; the other workers serve on meanwhile.
"""

import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from bookings.models import Booking, BookingSeat, IdempotencyRecord, Journey
from bookings.tests.invariants import assert_inventory_is_consistent
from bookings.tests.locks import hold_journey_lock, hold_train_lock, release_train_lock
from railway.tests.faults import (
    BOOK_URL,
    Answer,
    Session,
    assert_each_key_booked_once,
    book_until_answered,
    passenger,
    send,
    session_ended,
    wait_until,
    worker_waiting_on_lock,
)
from railway.tests.servers import gunicorn_server

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="finds the killed request's session in pg_stat_activity"
    ),
    pytest.mark.usefixtures("direct_database_sessions"),
]

STOPS = ["Chennai", "Katpadi", "Jolarpettai", "Bangalore"]


def kill_a_worker_waiting_on_the_lock(server) -> tuple[Session, int]:
    """SIGKILL a worker whose booking waits on a held lock; return the booking's session and the pid."""
    session, worker = worker_waiting_on_lock(server)
    os.kill(worker, signal.SIGKILL)
    return session, worker


def test_a_worker_killed_inside_a_booking_leaves_nothing_and_the_retry_books_once(tmp_path, make_train):
    train = make_train(6001, 10, *STOPS)
    rider = passenger("asha")
    payload = {"train_number": 6001, "seat_count": 2, "source": "Katpadi"}
    headers = {**rider.headers, "Idempotency-Key": "kill-me-1"}
    with gunicorn_server(tmp_path, workers=2) as server:
        lock = hold_train_lock(train.pk)
        with ThreadPoolExecutor(max_workers=1) as background:
            try:
                request = background.submit(send, server, "POST", BOOK_URL, payload, headers=headers)
                # The booking is provably inside its transaction: its session waits on the train lock
                # that opening the journey for its first sale takes.
                session, killed = kill_a_worker_waiting_on_the_lock(server)
                cut_off = request.result(timeout=30)
            finally:
                release_train_lock(lock)
        session_ended(session.pid)

        # The transaction waited for the worker's next statement, which never came: PostgreSQL
        # rolled it back whole, the journey it was opening included.
        assert cut_off.status is None, cut_off
        assert not Booking.objects.filter(user=rider.user).exists()
        assert not IdempotencyRecord.objects.filter(user=rider.user).exists()
        assert not BookingSeat.objects.exists()
        assert not Journey.objects.filter(train=train).exists()
        assert_inventory_is_consistent(train)

        retry = book_until_answered(server, payload, passenger=rider, key="kill-me-1")[-1]
        assert retry.status == 201, retry.text
        assert not retry.replayed
        assert killed not in server.workers()

    booking = Booking.objects.get(user=rider.user)
    assert booking.pk == retry.body["booking_id"]
    assert booking.seat_numbers == retry.body["seat_numbers"]
    assert sorted(BookingSeat.objects.values_list("seat_number", flat=True)) == booking.seat_numbers
    record = IdempotencyRecord.objects.get(user=rider.user)
    assert (record.key, record.response_body["booking_id"]) == ("kill-me-1", booking.pk)
    assert_inventory_is_consistent(train)


CLIENTS = 6
KILLS = 4
# Each client books until the kills are over; this bounds the run if they never end. Once the
# train is sold out a refusal takes milliseconds, so the bound is time, not a count.
MOST_SECONDS_OF_BOOKING = 120


def kill_a_worker_stuck_in_a_booking(server, train) -> int:
    """Hold the journey's lock until a booking waits on it, SIGKILL its worker, release; return the pid.

    The journey's lock, not the train's: every sale takes it first, even one that finds the train
    sold out, while a sale that inserts nothing never touches the train's row.
    """
    journey = wait_until(
        lambda: Journey.objects.filter(train=train).first(),
        within_s=30,
        what="the journey opened by a first sale",
    )
    lock = hold_journey_lock(train.pk, journey.date)
    try:
        return kill_a_worker_waiting_on_the_lock(server)[1]
    finally:
        release_train_lock(lock)


def kill_any_worker(server, rng: random.Random) -> int:
    """SIGKILL a worker picked at random, in whatever it is doing; return its pid."""
    victim = rng.choice(server.workers())
    os.kill(victim, signal.SIGKILL)
    return victim


def kill_workers_at_random_moments(server, train, *, kills: int, rng: random.Random) -> list[int]:
    """SIGKILL `kills` workers one after another, each at a random moment; return their pids.

    Every other kill is aimed at a booking stuck inside its transaction, so that some requests
    are surely cut off there; the rest land wherever the worker happens to be: reading the
    request, in the sale, after the commit, writing the answer. Each waits for gunicorn to have
    replaced the last victim, so that it lands on a worker that was serving, not one starting.
    """
    killed: list[int] = []
    for number in range(kills):
        wait_until(lambda: len(server.workers()) == 2, within_s=30, what="the killed worker replaced")
        time.sleep(rng.uniform(0.1, 0.5))
        if number % 2 == 0:
            killed.append(kill_a_worker_stuck_in_a_booking(server, train))
        else:
            killed.append(kill_any_worker(server, rng))
    return killed


def random_booking(rng: random.Random, train_number: int) -> dict:
    start = rng.randrange(len(STOPS) - 1)
    return {
        "train_number": train_number,
        "seat_count": rng.randint(1, 3),
        "source": STOPS[start],
        "destination": STOPS[rng.randrange(start + 1, len(STOPS))],
    }


def test_bookings_retried_with_their_keys_through_random_worker_kills_each_book_exactly_once(
    tmp_path, make_train
):
    train = make_train(6002, 200, *STOPS)
    riders = [passenger(f"rider{number}") for number in range(CLIENTS)]
    answers: dict[tuple[int, str], list[Answer]] = {}
    kills_over = threading.Event()

    def client(rider, rng: random.Random) -> None:
        deadline = time.monotonic() + MOST_SECONDS_OF_BOOKING
        number = 0
        while not kills_over.is_set() and time.monotonic() < deadline:
            number += 1
            key = f"{rider.user.username}-{number}"
            answers[(rider.user.pk, key)] = book_until_answered(
                server, random_booking(rng, 6002), passenger=rider, key=key
            )

    # Seat caps are not what this test is about: let every rider book as often as the run lasts.
    no_seat_cap = {"BOOKING_MAX_SEATS_PER_USER_PER_TRAIN": "10000"}
    with gunicorn_server(tmp_path, workers=2, env=no_seat_cap) as server, ThreadPoolExecutor(CLIENTS) as pool:
        clients = [pool.submit(client, rider, random.Random(rider.user.pk)) for rider in riders]
        try:
            killed = kill_workers_at_random_moments(server, train, kills=KILLS, rng=random.Random(6002))
        finally:
            kills_over.set()
        for finished in clients:
            finished.result(timeout=60)

    assert len(killed) == KILLS
    # At least the aimed kills cut a request off; the others may have found their worker between two.
    cut_off = [answer for attempts in answers.values() for answer in attempts if answer.status is None]
    assert len(cut_off) >= KILLS // 2
    assert_each_key_booked_once(train, answers)
