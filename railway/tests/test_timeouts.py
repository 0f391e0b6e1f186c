"""The database's lock and statement timeouts, through the real server: a quick 503, never a hung worker.

A booking that cannot have the train lock within DB_LOCK_TIMEOUT_MS, or whose statement runs
past DB_STATEMENT_TIMEOUT_MS, is answered 503 `service_busy` with Retry-After as soon as the
timeout strikes (not after gunicorn's 30 s worker timeout), and leaves nothing behind: its
Idempotency-Key is not spent, so the retry books for real. The timeouts are the database role's
defaults, which `migrate` stores (railway/db/timeouts.py); a test that changes one stores it
for the role, as `migrate` with that setting would.
"""

import subprocess
import sys
import time

import pytest
from django.db import connection

from bookings.models import Booking, IdempotencyRecord
from bookings.tests.locks import hold_train_lock, release_train_lock
from railway.tests.faults import BOOK_URL, assert_service_error_shape, passenger, send
from railway.tests.servers import PROJECT_DIR, gunicorn_server, server_environment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="lock and statement timeouts are PostgreSQL's"
    ),
]

PAYLOAD = {"train_number": 4401, "seat_count": 1}


def booking_behind_a_held_lock(server, train, rider, key: str):
    """Book while another connection holds the train lock; return the answer and how long it took."""
    lock = hold_train_lock(train.pk)
    try:
        started = time.monotonic()
        answer = send(server, "POST", BOOK_URL, PAYLOAD, headers={**rider.headers, "Idempotency-Key": key})
        return answer, time.monotonic() - started
    finally:
        release_train_lock(lock)


def assert_refused_busy_and_wrote_nothing(answer) -> None:
    assert_service_error_shape(answer)
    assert answer.body["code"] == "service_busy"
    assert answer.headers["Retry-After"] == "1"
    assert Booking.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


def assert_retry_books_once(server, rider, key: str) -> None:
    retry = send(server, "POST", BOOK_URL, PAYLOAD, headers={**rider.headers, "Idempotency-Key": key})
    assert retry.status == 201, retry.text
    assert not retry.replayed
    assert list(Booking.objects.values_list("pk", flat=True)) == [retry.body["booking_id"]]


def test_a_booking_that_waits_past_the_lock_timeout_is_a_quick_503_and_its_retry_books_once(
    tmp_path, make_train, role_timeouts
):
    train = make_train(4401, 5, "Agra", "Gwalior", "Jhansi")
    rider = passenger("asha")
    role_timeouts(lock_timeout=500)
    with gunicorn_server(tmp_path, env={"DB_LOCK_TIMEOUT_MS": "500"}) as server:
        answer, took_s = booking_behind_a_held_lock(server, train, rider, "lock-wait-1")
        assert_refused_busy_and_wrote_nothing(answer)
        # The lock timeout answered, not gunicorn's worker timeout (30 s) nor the statement timeout.
        assert 0.5 <= took_s < 5, took_s
        assert_retry_books_once(server, rider, "lock-wait-1")


def test_a_booking_statement_that_runs_past_the_statement_timeout_is_a_quick_503(
    tmp_path, make_train, role_timeouts
):
    train = make_train(4401, 5, "Agra", "Gwalior", "Jhansi")
    rider = passenger("asha")
    # A lock wait longer than the statement timeout: the statement timeout strikes first.
    role_timeouts(lock_timeout=60000, statement_timeout=500)
    env = {"DB_LOCK_TIMEOUT_MS": "60000", "DB_STATEMENT_TIMEOUT_MS": "500"}
    with gunicorn_server(tmp_path, env=env) as server:
        answer, took_s = booking_behind_a_held_lock(server, train, rider, "slow-statement-1")
        assert_refused_busy_and_wrote_nothing(answer)
        assert 0.5 <= took_s < 5, took_s
        assert_retry_books_once(server, rider, "slow-statement-1")


SHOW_TIMEOUTS = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    for name in ("lock_timeout", "statement_timeout"):
        cursor.execute(f"SHOW {name}")
        print(name, cursor.fetchone()[0])
"""


def test_after_migrate_the_service_waits_3_s_for_a_lock_and_15_s_for_a_statement_unless_told_otherwise():
    # The service's production settings, in a process of their own, without any override, on the
    # test database as migrated; only the two lines show, no error that the timeouts are amiss.
    env = server_environment(port=0, workers=1, extra=None)
    env.pop("DB_LOCK_TIMEOUT_MS", None)
    env.pop("DB_STATEMENT_TIMEOUT_MS", None)
    shown = subprocess.run(
        [sys.executable, "-c", SHOW_TIMEOUTS],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert dict(line.split() for line in shown.splitlines()) == {
        "lock_timeout": "3s",
        "statement_timeout": "15s",
    }
