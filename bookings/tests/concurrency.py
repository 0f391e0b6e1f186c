"""Threads that send API calls at once, each on its own database connection, for concurrency tests.

Every request gets its own APIClient and (except where a test is about one user) its own
user's token, created before any thread starts. A pool of worker threads waits on a barrier
and then drains the queue of requests together, so that the requests really overlap while
staying well inside PostgreSQL's connection limit. A Task runs a function among them, as a
management command would from a process of its own.
"""

import functools
import queue
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from drf_spectacular.generators import SchemaGenerator
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

    @property
    def answered(self) -> bool:
        return self.status is not None


@dataclass
class Task:
    """A function to run from a worker thread among the API calls (a management command's work), and what
    it returned."""

    function: Callable[[], Any]
    result: Any = None
    answered: bool = False

    def send(self) -> None:
        self.result = self.function()
        self.answered = True


def run_together(calls: list, workers: int = WORKERS) -> list:
    """Send all calls (Call or Task) from a pool of threads released together by a barrier; return them."""
    pending: queue.SimpleQueue = queue.SimpleQueue()
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
    assert all(call.answered for call in calls)
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


@functools.cache
def _documented_statuses() -> list[tuple[re.Pattern, str, frozenset[int]]]:
    """Return each operation of the API schema: its path as a pattern, its method, its documented statuses."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (
            re.compile(re.sub(r"\{[^/}]+\}", "[^/]+", path)),
            method,
            frozenset(int(code) for code in operation["responses"]),
        )
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def assert_answers_documented(calls: list[Call]) -> None:
    """Assert every call was answered with a status its operation documents, and none with a server error."""
    for call in calls:
        assert call.status < 500, (call.path, call.status, call.body)
        documented = [
            codes
            for pattern, method, codes in _documented_statuses()
            if method == call.method and pattern.fullmatch(call.path)
        ]
        assert len(documented) == 1, (call.method, call.path)
        assert call.status in documented[0], (call.path, call.status, call.body)
