"""What the fault tests share: passengers, answers that may never come, and the database's view of a server.

The tests drive real gunicorn servers (railway.tests.servers) and break things under them: a
worker killed, a database session cut, a lock held. A client then sees either an HTTP answer
or none at all (`Answer.status is None`), and retries as a real one would, with the same
Idempotency-Key. The helpers below find, through pg_stat_activity and /proc, the session a
request is waiting in and the worker process at its other end, so that a fault can be aimed
at one request instead of left to timing.
"""

import http.client
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.db import connection

from bookings.models import Booking, IdempotencyRecord
from bookings.tests.invariants import assert_inventory_is_consistent
from railway.tests.servers import GunicornServer
from trains.models import Train
from users.models import User
from users.services import token_create

BOOK_URL = "/user/book_seat/"
AVAILABILITY_URL = "/user/get_seat_availability/"
# The 503 codes the API documents: a busy or lost database (any endpoint), and /readyz's own.
DOCUMENTED_503_CODES = {"service_busy", "database_unavailable"}

T = TypeVar("T")


@dataclass(frozen=True)
class Passenger:
    user: User
    headers: dict[str, str]


def passenger(username: str) -> Passenger:
    """Create a user and a token for it; servers accept the token, as keys are stored as plain digests.

    Faster than registering through a server, whose Argon2 hashing would cost a tenth of a second
    of CPU per user.
    """
    user = User.objects.create_user(username=username, email=f"{username}@example.com", password=None)
    return Passenger(user=user, headers={"Authorization": f"Token {token_create(user=user).key}"})


@dataclass(frozen=True)
class Answer:
    """What one request got: an HTTP answer, or none (`status` None) when the connection failed."""

    status: int | None
    headers: dict[str, str]
    body: Any
    text: str
    error: str = ""

    @property
    def definitive(self) -> bool:
        """Whether a client may stop retrying: a success or a refusal, not a 5xx or a lost connection."""
        return self.status is not None and self.status < 500

    @property
    def replayed(self) -> bool:
        return self.headers.get("Idempotent-Replayed") == "true"


def send(
    server: GunicornServer,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    """Send one request and return what came back, never raising for a refused or cut connection."""
    try:
        status, answer_headers, raw = server.request_raw(method, path, body, headers=headers, timeout=timeout)
    except (OSError, http.client.HTTPException) as error:
        return Answer(status=None, headers={}, body=None, text="", error=repr(error))
    text = raw.decode(errors="replace")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return Answer(status=status, headers=answer_headers, body=parsed, text=text)


def book_until_answered(
    server: GunicornServer,
    payload: dict[str, Any],
    *,
    passenger: Passenger,
    key: str,
    within_s: float = 30,
) -> list[Answer]:
    """Send one booking with its Idempotency-Key until a definitive answer; return every attempt.

    What a client does after a 503 or a lost connection: the same request, the same key, again.
    """
    headers = {**passenger.headers, "Idempotency-Key": key}
    deadline = time.monotonic() + within_s
    attempts: list[Answer] = []
    while True:
        attempts.append(send(server, "POST", BOOK_URL, payload, headers=headers))
        if attempts[-1].definitive:
            return attempts
        assert time.monotonic() < deadline, f"no definitive answer for {key!r}: {attempts[-3:]}"
        time.sleep(0.05)


def wait_until(condition: Callable[[], T], *, within_s: float, what: str, every_s: float = 0.02) -> T:
    """Poll `condition` until it returns something truthy, and return that; fail after `within_s`."""
    deadline = time.monotonic() + within_s
    while True:
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"not within {within_s} s: {what}"
        time.sleep(every_s)


def assert_service_error_shape(answer: Answer) -> None:
    """Assert a 5xx is a documented, retryable 503 in the API's JSON error shape, never a 500 or a page."""
    assert answer.status == 503, (answer.status, answer.text[:500])
    assert isinstance(answer.body, dict), answer.text[:500]
    assert answer.body["code"] in DOCUMENTED_503_CODES, answer.body
    assert answer.headers.get("Retry-After"), answer.headers


# --- The database's view: the server's PostgreSQL sessions -----------------------------------


@dataclass(frozen=True)
class Session:
    pid: int
    client_port: int
    state: str
    wait_event_type: str | None
    query: str


def server_sessions(server: GunicornServer) -> list[Session]:
    """Return the server's PostgreSQL sessions (they carry its application_name)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, client_port, state, wait_event_type, query FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s AND pid <> pg_backend_pid()",
            [server.application_name],
        )
        return [Session(*row) for row in cursor.fetchall()]


def session_waiting_on_lock(server: GunicornServer, *, within_s: float = 10) -> Session:
    """Wait until one of the server's sessions waits on a lock (a booking stuck inside its transaction)."""

    def waiting() -> Session | None:
        return next((s for s in server_sessions(server) if s.wait_event_type == "Lock"), None)

    return wait_until(waiting, within_s=within_s, what="a server session waiting on a lock")


def session_ended(pid: int, *, within_s: float = 10) -> None:
    """Wait until the PostgreSQL session `pid` has ended (committed or rolled back, and gone)."""

    def gone() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            return cursor.fetchone()[0] == 0

    wait_until(gone, within_s=within_s, what=f"session {pid} ending")


def server_sessions_terminate(server: GunicornServer) -> int:
    """Cut every PostgreSQL session of the server, as a database restart or failover would; return how many.

    Only the server's own sessions: the test's connection and any lock holder stay up.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s AND pid <> pg_backend_pid()",
            [server.application_name],
        )
        return cursor.fetchone()[0]


# --- The operating system's view: which worker is at the client end of a session ------------------


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def _tcp_inodes_on_local_port(port: int) -> set[int]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rpartition(":")[2], 16) == port:
                inodes.add(int(fields[9]))
    return inodes


def worker_of_session(server: GunicornServer, session: Session) -> int | None:
    """Return the pid of the server's worker whose database connection is `session`, None if none is."""
    inodes = _tcp_inodes_on_local_port(session.client_port)
    return next((pid for pid in server.workers() if inodes & _socket_inodes(pid)), None)


def worker_waiting_on_lock(server: GunicornServer, *, within_s: float = 10) -> tuple[Session, int]:
    """Wait until a worker of the server waits on a lock inside a booking; return its session and pid.

    A session whose worker is already gone (killed earlier, its statement still finishing) is
    passed over.
    """

    def waiting() -> tuple[Session, int] | None:
        for session in server_sessions(server):
            if session.wait_event_type == "Lock" and (worker := worker_of_session(server, session)):
                return session, worker
        return None

    return wait_until(waiting, within_s=within_s, what="a worker's session waiting on a lock")


def workers_with_file_open(server: GunicornServer, path: str) -> list[int]:
    """Return the server's workers that have `path` open (on SQLite: those inside a request's queries)."""
    holders = []
    for pid in server.workers():
        try:
            targets = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        if path in targets:
            holders.append(pid)
    return holders


# --- What must hold afterwards ------------------------------------------------------------------


def answer_gist(answer: Answer) -> tuple[int | None, Any]:
    """Return what a replay must repeat of an answer: its status and its booking id or error code."""
    body = answer.body if isinstance(answer.body, dict) else {}
    return answer.status, body.get("booking_id", body.get("code"))


def assert_each_key_booked_once(train: Train, answers_by_key: dict[tuple[int, str], list[Answer]]) -> None:
    """Assert every (user id, key) has one finished record and at most one booking, as its answers say.

    Every definitive answer for a key is the same answer; a 201's booking is stored confirmed
    with exactly the seats the answer gave; no booking exists that no key accounts for; and
    the train's inventory holds exactly the confirmed bookings' seats.
    """
    booked: set[int] = set()
    for (user_id, key), answers in answers_by_key.items():
        finished = [answer for answer in answers if answer.definitive]
        assert finished, (key, answers)
        assert len({answer_gist(answer) for answer in finished}) == 1, (key, finished)
        final = finished[-1]
        record = IdempotencyRecord.objects.get(user_id=user_id, key=key)
        assert record.response_status == final.status
        if final.status == 201:
            booking = Booking.objects.get(pk=final.body["booking_id"])
            assert booking.user_id == user_id
            assert booking.status == Booking.Status.CONFIRMED
            assert booking.seat_numbers == final.body["seat_numbers"]
            assert record.response_body["booking_id"] == booking.pk
            booked.add(booking.pk)
    assert set(Booking.objects.filter(train=train).values_list("pk", flat=True)) == booked
    assert IdempotencyRecord.objects.filter(response_status__isnull=True).count() == 0
    assert_inventory_is_consistent(train)


def unix_socket_paths(pid: int) -> set[str]:
    """Return the file system paths of the Unix sockets that process `pid` has bound (a control socket)."""
    inodes = _socket_inodes(pid)
    paths = set()
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) > 7 and int(fields[6]) in inodes:
            paths.add(fields[7])
    return paths
