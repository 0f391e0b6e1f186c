"""Real gunicorn servers for tests: the production entry point, on the test database.

`gunicorn_server()` starts `gunicorn -c railway/gunicorn.conf.py` with production settings
(DEBUG off) on a free port of 127.0.0.1, against the database the test runs on, and stops it
on exit. Tests that use it must commit their data (`django_db(transaction=True)`), since the
server reads it on connections of its own.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

PROJECT_DIR = Path(__file__).resolve().parents[2]
GUNICORN_CONFIG = PROJECT_DIR / "railway" / "gunicorn.conf.py"
START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_database_url() -> str:
    """Return a DATABASE_URL for the database this test runs on (the test database)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{credentials}{host}:{port}/{settings['NAME']}"


def child_pids(pid: int) -> list[int]:
    """Return the pids of `pid`'s direct children (gunicorn's workers, for its master)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces; the parent pid follows it.
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            children.append(int(entry.name))
    return children


@dataclass
class GunicornServer:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def application_name(self) -> str:
        """The name this server's PostgreSQL sessions carry in pg_stat_activity."""
        return server_application_name(self.port)

    def workers(self) -> list[int]:
        return child_pids(self.process.pid)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> tuple[int, dict[str, str], Any]:
        """Send one request; return its status, headers and JSON body (None when it has none)."""
        status, answer_headers, raw = self.request_raw(method, path, body, headers=headers, timeout=timeout)
        return status, answer_headers, json.loads(raw) if raw else None

    def request_raw(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; return its status, headers and body as sent, JSON or not."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                status, answer_headers, raw = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as answer:
            status, answer_headers, raw = answer.code, dict(answer.headers), answer.read()
        return status, answer_headers, raw

    def stop(self, timeout: float = 60) -> int:
        """Stop gracefully (SIGTERM, as an orchestrator does) and return gunicorn's exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def server_application_name(port: int) -> str:
    return f"railway-test-server-{port}"


def server_database_url(port: int) -> str:
    """Return the test database's URL, naming the server's PostgreSQL sessions after its port."""
    url = test_database_url()
    return url if connection.vendor == "sqlite" else f"{url}?application_name={server_application_name(port)}"


def server_environment(port: int, workers: int, extra: dict[str, str] | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="railway.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=server_database_url(port),
        CACHE_URL="locmem://",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(workers),
        # Tests fire many requests from one address and user; they test limits elsewhere.
        THROTTLE_BOOKING_PER_USER="100000/min",
        THROTTLE_LOGIN_PER_ADDRESS="100000/min",
        THROTTLE_LOGIN_PER_USERNAME="100000/min",
        THROTTLE_REGISTER_PER_ADDRESS="100000/hour",
        THROTTLE_REGISTER_PER_USERNAME="100000/hour",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


@contextmanager
def gunicorn_server(
    tmp_path: Path, *, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[GunicornServer]:
    """Run a production gunicorn on the test database until the block ends."""
    port = free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG)],
            cwd=PROJECT_DIR,
            env=server_environment(port, workers, env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = GunicornServer(process=process, port=port, log=log)
    try:
        server_wait_until_ready(server, workers)
        yield server
    finally:
        server.stop()


def server_wait_until_ready(server: GunicornServer, workers: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start-up:\n{server.log_text()}")
        try:
            status, _, _ = server.request("GET", "/readyz", timeout=2)
        except OSError:
            status = None
        if status == 200 and len(server.workers()) == workers:
            return
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"gunicorn was not ready within {START_TIMEOUT_S} s:\n{server.log_text()}")


def server_user_token(
    server: GunicornServer,
    username: str,
    password: str = "a-long-passphrase-1",  # noqa: S107
) -> dict[str, str]:
    """Register `username` through the server (its own password hasher) and return auth headers."""
    status, _, body = server.request(
        "POST",
        "/user/register/",
        {"username": username, "password": password, "email": f"{username}@example.com"},
    )
    assert status == 201, body
    status, _, body = server.request("POST", "/user/login/", {"username": username, "password": password})
    assert status == 200, body
    return {"Authorization": f"Token {body['token']}"}
