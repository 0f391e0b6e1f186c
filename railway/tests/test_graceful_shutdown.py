"""SIGTERM (a deploy, a scale-in) lets the bookings in flight finish, takes no new ones and exits cleanly.

gunicorn's master stops listening at once and tells its workers to finish the request they
hold and exit (within GUNICORN_GRACEFUL_TIMEOUT). A booking caught in the middle, even one
waiting inside its transaction for the train lock, completes with 201 and is stored once; a
request that arrives during the drain is never served (its connection is refused or reset, and
nothing of it is written); the master exits with status 0.
"""

import signal
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from bookings.models import Booking, IdempotencyRecord
from bookings.tests.invariants import assert_inventory_is_consistent
from bookings.tests.locks import hold_train_lock, release_train_lock
from railway.tests.faults import (
    BOOK_URL,
    passenger,
    send,
    session_waiting_on_lock,
    wait_until,
    workers_with_file_open,
)
from railway.tests.servers import gunicorn_server

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = {"train_number": 8001, "seat_count": 2, "source": "Pune"}


def wait_until_stuck_in_the_database(server) -> None:
    """Wait until a request of the server is inside the database, where the held lock stops it."""
    if connection.vendor == "postgresql":
        session_waiting_on_lock(server)
    else:
        # SQLite: a worker opens the database file only for a request's queries (CONN_MAX_AGE 0).
        database = connection.settings_dict["NAME"]
        wait_until(lambda: workers_with_file_open(server, database), within_s=10, what="a request in SQLite")


def connection_refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_sigterm_lets_the_booking_in_flight_finish_serves_nothing_new_and_exits_0(tmp_path, make_train):
    train = make_train(8001, 10, "Mumbai", "Pune", "Solapur", "Hyderabad")
    rider = passenger("asha")
    # The booking in flight waits for the lock through the drain; 10 s rather than the default
    # 3 s leaves room for a busy machine.
    with gunicorn_server(tmp_path, workers=2, env={"DB_LOCK_TIMEOUT_MS": "10000"}) as server:
        lock = hold_train_lock(train.pk)
        with ThreadPoolExecutor(max_workers=2) as background:
            try:
                in_flight = background.submit(
                    send,
                    server,
                    "POST",
                    BOOK_URL,
                    PAYLOAD,
                    headers={**rider.headers, "Idempotency-Key": "old"},
                )
                wait_until_stuck_in_the_database(server)
                server.process.send_signal(signal.SIGTERM)
                # The idle worker is gone; only the one holding the booking is left, finishing it.
                wait_until(lambda: len(server.workers()) == 1, within_s=10, what="the idle worker exiting")
                too_late = background.submit(
                    send,
                    server,
                    "POST",
                    BOOK_URL,
                    PAYLOAD,
                    headers={**rider.headers, "Idempotency-Key": "new"},
                )
            finally:
                release_train_lock(lock)
            finished, refused = in_flight.result(timeout=30), too_late.result(timeout=30)
        exit_code = server.process.wait(timeout=30)
        assert connection_refused(server.port)

    assert exit_code == 0, server.log_text()
    assert finished.status == 201, finished.text
    assert refused.status is None, refused
    booking = Booking.objects.get()
    assert booking.pk == finished.body["booking_id"]
    assert booking.seat_numbers == finished.body["seat_numbers"]
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["old"]
    assert_inventory_is_consistent(train)
