"""Database sessions cut under the server (pg_terminate_backend: a restart, a failover): 503s, then recovery.

While its sessions are cut, the service answers every request: normally, or with a documented
503 in the API's JSON error shape with Retry-After, never a 500, an HTML page or a dropped
connection. Once the database is back it serves again by itself, with the same worker
processes. Clients that retry their bookings with the same Idempotency-Key end with exactly one
booking per key.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from bookings.models import Booking, IdempotencyRecord
from bookings.tests.invariants import assert_inventory_is_consistent
from bookings.tests.locks import hold_train_lock, release_train_lock
from railway.tests.faults import (
    AVAILABILITY_URL,
    BOOK_URL,
    Answer,
    assert_each_key_booked_once,
    assert_service_error_shape,
    book_until_answered,
    passenger,
    send,
    server_sessions_terminate,
    session_waiting_on_lock,
    wait_until,
)
from railway.tests.servers import gunicorn_server

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="cuts sessions with pg_terminate_backend"),
    pytest.mark.usefixtures("direct_database_sessions"),
]

STOPS = ["Kolkata", "Asansol", "Dhanbad", "Gaya"]


def test_a_booking_whose_session_is_cut_mid_statement_is_a_503_that_wrote_nothing(tmp_path, make_train):
    train = make_train(7001, 10, *STOPS)
    rider = passenger("asha")
    payload = {"train_number": 7001, "seat_count": 2}
    headers = {**rider.headers, "Idempotency-Key": "cut-1"}
    with gunicorn_server(tmp_path, workers=2) as server:
        lock = hold_train_lock(train.pk)
        with ThreadPoolExecutor(max_workers=1) as background:
            try:
                request = background.submit(send, server, "POST", BOOK_URL, payload, headers=headers)
                session_waiting_on_lock(server)
                assert server_sessions_terminate(server) >= 1
                answer = request.result(timeout=30)
            finally:
                release_train_lock(lock)

        assert_service_error_shape(answer)
        assert answer.body["code"] == "service_busy"
        assert Booking.objects.count() == IdempotencyRecord.objects.count() == 0
        retry = send(server, "POST", BOOK_URL, payload, headers=headers)
        assert retry.status == 201, retry.text
        assert not retry.replayed
        assert "Traceback" not in server.log_text()

    assert list(Booking.objects.values_list("pk", flat=True)) == [retry.body["booking_id"]]
    assert_inventory_is_consistent(train)


BOOKING_CLIENTS = 3
READING_CLIENTS = 2
CUTS = 4
# Every client stops when the cuts are over and the service has recovered; this bounds the
# run should that never happen.
MOST_REQUESTS_PER_CLIENT = 150
NORMAL_STATUSES = {200, 201, 409}


class Traffic:
    """Answers from the clients so far, and whether they should stop."""

    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.bookings: dict[tuple[int, str], list[Answer]] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def record(self, *answers: Answer) -> None:
        with self.lock:
            self.answers.extend(answers)

    def count(self) -> int:
        with self.lock:
            return len(self.answers)


def keep_booking(server, rider, traffic: Traffic) -> None:
    """Book one seat after another, each with a key of its own, retrying each until it is answered."""
    for number in range(MOST_REQUESTS_PER_CLIENT):
        if traffic.stop.is_set():
            return
        key = f"{rider.user.username}-{number}"
        payload = {"train_number": 7002, "seat_count": 1, "source": STOPS[number % 3]}
        attempts = book_until_answered(server, payload, passenger=rider, key=key)
        traffic.bookings[(rider.user.pk, key)] = attempts
        traffic.record(*attempts)


def keep_reading(server, rider, traffic: Traffic) -> None:
    """Read availability and the rider's bookings, one after the other."""
    for number in range(MOST_REQUESTS_PER_CLIENT):
        if traffic.stop.is_set():
            return
        if number % 2:
            path = f"{AVAILABILITY_URL}?source=kolkata&destination=Gaya"
        else:
            path = f"/user/get_booking_details/{rider.user.pk}/"
        traffic.record(send(server, "GET", path, headers=rider.headers))


def cut_sessions_under_load(server, traffic: Traffic, *, cuts: int) -> int:
    """Cut all the server's sessions `cuts` times, each after some traffic; return how many were cut."""
    cut = 0
    for _ in range(cuts):
        seen = traffic.count()
        wait_until(lambda seen=seen: traffic.count() >= seen + 10, within_s=30, what="traffic between cuts")
        cut += server_sessions_terminate(server)
    return cut


def service_answers_normally(server, rider) -> bool:
    """Return whether a readiness probe and a read both succeed now."""
    ready = send(server, "GET", "/readyz").status == 200
    read = send(server, "GET", f"{AVAILABILITY_URL}?source=Kolkata&destination=Gaya", headers=rider.headers)
    return ready and read.status == 200


def test_sessions_cut_under_load_get_503s_never_500s_and_the_service_recovers_by_itself(tmp_path, make_train):
    train = make_train(7002, 500, *STOPS)
    bookers = [passenger(f"booker{number}") for number in range(BOOKING_CLIENTS)]
    readers = [passenger(f"reader{number}") for number in range(READING_CLIENTS)]
    checker = passenger("checker")
    traffic = Traffic()
    # Seat caps are not what this test is about: let every booker book as often as the run lasts.
    env = {"BOOKING_MAX_SEATS_PER_USER_PER_TRAIN": "10000"}
    with (
        gunicorn_server(tmp_path, workers=2, env=env) as server,
        ThreadPoolExecutor(BOOKING_CLIENTS + READING_CLIENTS) as pool,
    ):
        workers_before = sorted(server.workers())
        clients = [pool.submit(keep_booking, server, rider, traffic) for rider in bookers]
        clients += [pool.submit(keep_reading, server, rider, traffic) for rider in readers]
        try:
            cut = cut_sessions_under_load(server, traffic, cuts=CUTS)
            wait_until(lambda: service_answers_normally(server, checker), within_s=10, what="recovery")
            recovery = book_until_answered(
                server, {"train_number": 7002, "seat_count": 1}, passenger=checker, key="after", within_s=10
            )
            traffic.bookings[(checker.user.pk, "after")] = recovery
            traffic.record(*recovery)
        finally:
            traffic.stop.set()
        for finished in clients:
            finished.result(timeout=60)
        # Recovered in place: no worker was restarted to get there.
        assert sorted(server.workers()) == workers_before
        log = server.log_text()

    assert cut >= CUTS
    assert all(answer.status is not None for answer in traffic.answers), "a connection was dropped"
    for answer in traffic.answers:
        if answer.status not in NORMAL_STATUSES:
            assert_service_error_shape(answer)
    assert "Traceback" not in log
    assert recovery[-1].status == 201
    assert_each_key_booked_once(train, traffic.bookings)
