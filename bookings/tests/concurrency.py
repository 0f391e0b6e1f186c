"""Threads that send API calls at once, each on its own database connection, for concurrency tests.

Every request gets its own APIClient and (except where a test is about one user) its own
user's token, created before any thread starts. A pool of worker threads waits on a barrier
and then drains the queue of requests together, so that the requests really overlap while
staying well inside PostgreSQL's connection limit.
"""

import queue
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from rest_framework.test import APIClient

from conftest import client_for
from users.models import User

WORKERS = 32
BOOK_URL = "/user/book_seat/"


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
