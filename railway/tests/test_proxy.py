"""The production topology: Debian's nginx, buffering whole requests, in front of gunicorn.

gunicorn's sync workers each serve one connection at a time and read a request as the client
sends it, so a client that sends half a request and stalls holds a worker until
GUNICORN_TIMEOUT. A hundred such connections straight at a server of two workers starve it; in
front of the same server, the repository's proxy config (`deploy/nginx.conf`) holds them itself
and passes on only whole requests, so that the health probe and a booking still answer within
a second. The proxy also keeps the API's error shape for what it refuses itself, and passes on
the client's address and scheme in a form that clients cannot forge.

The proxy is Debian's nginx (`apt-get install nginx`), run from a temporary directory on a free
port with the config rendered as docs/deploy.md says. Where it is missing the tests are skipped.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bookings.models import Booking
from railway.tests.faults import BOOK_URL, passenger
from railway.tests.servers import PROJECT_DIR, child_pids, free_port, gunicorn_server

NGINX = Path("/usr/sbin/nginx")
NGINX_CONFIG = PROJECT_DIR / "deploy" / "nginx.conf"
START_TIMEOUT_S = 15
STALLED_CONNECTIONS = 100
DEADLINE_S = 1.0
# Fewer workers than stalled connections by far: straight at gunicorn, the attack holds them all.
WORKERS = 2
MIB = 1024 * 1024

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.access(NGINX, os.X_OK),
        reason=f"{NGINX} is missing: install Debian's proxy with `sudo apt-get install -y nginx`",
    ),
]


def proxy_config(listen: str, upstream: str) -> str:
    """Return the repository's proxy config with its two placeholders filled in, as an operator does."""
    template = NGINX_CONFIG.read_text()
    assert "@LISTEN@" in template and "@UPSTREAM@" in template
    return template.replace("@LISTEN@", listen).replace("@UPSTREAM@", upstream)


@dataclass
class Proxy:
    process: subprocess.Popen
    port: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, timeout: float = 10) -> None:
        """Stop nginx (SIGTERM: close every connection and exit) and its workers with it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                # Workers outlive a master killed outright; end them first.
                for worker in child_pids(self.process.pid):
                    os.kill(worker, signal.SIGKILL)
                self.process.kill()
                self.process.wait()


@contextmanager
def nginx_proxy(tmp_path: Path, upstream_port: int) -> Iterator[Proxy]:
    """Run the repository's nginx config on a free port in front of 127.0.0.1:`upstream_port`.

    Its error log is copied into `tmp_path` when it stops, for a test that failed.
    """
    prefix = Path(tempfile.mkdtemp(prefix="railway-proxy-"))
    try:
        # Started as root, nginx runs its workers as `nobody`, which must reach the temporary
        # files (bodies and answers too large for memory) kept under the prefix.
        prefix.chmod(0o755)
        port = free_port()
        config = prefix / "nginx.conf"
        config.write_text(proxy_config(f"127.0.0.1:{port}", f"127.0.0.1:{upstream_port}"))
        log = prefix / "nginx.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [NGINX, "-p", f"{prefix}/", "-c", str(config), "-e", "stderr"],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        proxy = Proxy(process=process, port=port, log=log)
        try:
            proxy_wait_until_listening(proxy)
            yield proxy
        finally:
            proxy.stop()
            shutil.copyfile(log, tmp_path / f"nginx-{port}.log")
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def proxy_wait_until_listening(proxy: Proxy) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proxy.process.poll() is not None:
            raise RuntimeError(f"nginx exited at start-up:\n{proxy.log_text()}")
        try:
            socket.create_connection(("127.0.0.1", proxy.port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen within {START_TIMEOUT_S} s:\n{proxy.log_text()}")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any
    seconds: float


def request(
    port: int,
    method: str,
    path: str,
    body: dict[str, Any] | bytes | None = None,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    """Send one request to 127.0.0.1:`port`; return the answer and how long it took.

    A server that does not answer raises TimeoutError after `timeout` seconds.
    """
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"Content-Type": "application/json", **(headers or {})}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    seconds = time.monotonic() - started
    content_type = response.headers.get("Content-Type", "")
    parsed = json.loads(raw) if raw and content_type.startswith("application/json") else raw
    return Answer(status=response.status, headers=dict(response.headers), body=parsed, seconds=seconds)


# Two ways to send half a request: headers that never end, and a body shorter than announced
# (to login, which reads its body before it answers).
HALF_HEADERS = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"
HALF_BODY = (
    b"POST /user/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b'Content-Length: 64\r\n\r\n{"username": '
)


@contextmanager
def stalled_connections(port: int, count: int = STALLED_CONNECTIONS) -> Iterator[list[socket.socket]]:
    """Open `count` connections to 127.0.0.1:`port` that each send half a request and stall."""
    connections: list[socket.socket] = []
    try:
        for number in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connections.append(connection)
            connection.sendall(HALF_HEADERS if number % 2 else HALF_BODY)
        yield connections
    finally:
        for connection in connections:
            connection.close()


def still_waiting(connection: socket.socket) -> bool:
    """Whether the server still holds the connection open and has answered nothing on it."""
    # Non-blocking: a socket with a timeout would wait that long for data before saying none came.
    connection.setblocking(False)
    try:
        return not connection.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False


def assert_still_stalled(connections: list[socket.socket]) -> None:
    # Each must still be open and unanswered, or the probes did not run under the whole attack.
    waiting = [still_waiting(connection) for connection in connections]
    assert all(waiting), f"{waiting.count(False)} of {len(connections)} stalled connections were ended"


def booking_payload(train_number: int) -> dict[str, Any]:
    return {"train_number": train_number, "seat_count": 1, "source": "Pune"}


def test_behind_the_proxy_stalled_clients_leave_health_and_booking_answering_within_a_second(
    tmp_path, make_train
):
    make_train(8101, 50, "Pune", "Nashik", "Surat")
    rider = passenger("asha")
    with (
        gunicorn_server(tmp_path, workers=WORKERS) as server,
        nginx_proxy(tmp_path, server.port) as proxy,
        stalled_connections(proxy.port) as stalled,
    ):
        health = request(proxy.port, "GET", "/healthz", timeout=DEADLINE_S)
        booking = request(
            proxy.port, "POST", BOOK_URL, booking_payload(8101), headers=rider.headers, timeout=DEADLINE_S
        )
        assert_still_stalled(stalled)

    assert (health.status, health.body) == (200, {"status": "ok"}), health.body
    assert health.seconds < DEADLINE_S, health
    assert booking.status == 201, booking.body
    assert booking.seconds < DEADLINE_S, booking
    assert Booking.objects.filter(pk=booking.body["booking_id"], user=rider.user).exists()


def test_without_the_proxy_the_same_stalled_clients_starve_gunicorn(tmp_path):
    """The attack is real: straight at gunicorn, it holds every worker and /healthz misses the deadline."""
    with gunicorn_server(tmp_path, workers=WORKERS) as server:
        assert request(server.port, "GET", "/healthz").status == 200
        with stalled_connections(server.port) as stalled:
            # The probe's connection queues behind the stalled ones, which the workers took first.
            with pytest.raises(TimeoutError):
                request(server.port, "GET", "/healthz", timeout=DEADLINE_S)
            assert_still_stalled(stalled)


def test_the_proxy_takes_a_body_of_one_mib_and_refuses_one_byte_more_in_the_apis_shape(tmp_path):
    def registration(size: int) -> bytes:
        """A valid registration as JSON of exactly `size` bytes, padded in a field the API ignores."""
        fields = {"username": "ravi", "email": "ravi@example.com", "password": "a-long-passphrase-1"}
        empty = json.dumps({**fields, "padding": ""}).encode()
        body = json.dumps({**fields, "padding": "x" * (size - len(empty))}).encode()
        assert len(body) == size
        return body

    with gunicorn_server(tmp_path, workers=WORKERS) as server, nginx_proxy(tmp_path, server.port) as proxy:
        too_large = request(proxy.port, "POST", "/user/register/", registration(MIB + 1))
        # The largest body the service takes passes the proxy (through its temporary file).
        accepted = request(proxy.port, "POST", "/user/register/", registration(MIB))

    assert too_large.status == 413, too_large.body
    assert too_large.body["code"] == "request_too_large"
    assert too_large.body["request_id"] == too_large.headers["X-Request-ID"]
    assert accepted.status == 201, accepted.body


def test_the_proxy_answers_for_an_unreachable_gunicorn_with_a_retryable_json_503(tmp_path):
    with nginx_proxy(tmp_path, free_port()) as proxy:
        answer = request(proxy.port, "POST", BOOK_URL, booking_payload(1))
        # The operator's trace of it: the proxy's error log names the failed connection.
        assert "connect() failed" in proxy.log_text()
    assert answer.status == 503, answer.body
    assert answer.body["code"] == "service_busy"
    assert answer.body["request_id"] == answer.headers["X-Request-ID"]
    assert answer.headers["Retry-After"] == "1"


def test_the_proxy_passes_on_the_clients_address_and_scheme_and_clients_cannot_forge_them(
    tmp_path, make_train
):
    make_train(8201, 10, "Pune", "Surat")
    make_train(8202, 10, "Pune", "Surat")
    rider = passenger("meera")
    env = {
        "NUM_PROXIES": "1",
        "THROTTLE_LOGIN_PER_ADDRESS": "3/min",
        "SECURE_PROXY_SSL_HEADER": "1",
    }
    forged = {"X-Forwarded-Proto": "https"}
    # One worker: without CACHE_URL each process counts on its own.
    with gunicorn_server(tmp_path, workers=1, env=env) as server, nginx_proxy(tmp_path, server.port) as proxy:
        search = "/user/get_seat_availability/?source=Pune&destination=Surat&limit=1"
        page = request(proxy.port, "GET", search, headers={**rider.headers, **forged})
        logins = [
            request(
                proxy.port,
                "POST",
                "/user/login/",
                {"username": f"nobody-{attempt}", "password": "wrong-passphrase"},
                headers={"X-Forwarded-For": f"203.0.113.{attempt}", **forged},
            )
            for attempt in range(4)
        ]

    # The next page's link names the proxy (the Host the client sent) and the scheme of the
    # client's own connection, plain HTTP here, whatever the client claimed.
    assert page.status == 200, page.body
    assert page.headers["Link"].startswith(f"<http://127.0.0.1:{proxy.port}/user/get_seat_availability/?")
    # Each attempt claimed another address; each counted against the one it came from, the test's.
    assert [answer.status for answer in logins[:3]] == [401] * 3, logins
    assert logins[3].status == 429, logins[3].body
