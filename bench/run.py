"""Run the benchmark: seed, serve under gunicorn with production settings, load with wrk, check.

`make bench` (or `python -m bench`) runs every scenario at each connection count, our endpoints
and the naive baseline in the same gunicorn; the hot train's scenarios run at each of its sizes
(--hot-seats), each beside a naive twin of that size, and the late and early scenarios on the
largest. It then checks the inventory's invariants, prints a table, the ratios to the baseline,
of the hot train's dates to its one date and of a journey 70% sold to an empty one, and writes
bench/results/latest.json. With --rounds the whole sweep repeats and the ratios are of medians.
It exits non-zero when an invariant is broken, a 201 was not stored, or any answer was a 5xx.
"""

import argparse
import json
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.seed import (
    BENCH_LIMITS,
    DEFAULT_DATABASE_URL,
    HOT_TRAIN_NUMBER,
    LISTER_USERNAME,
    add_size_arguments,
    bench_environment_setdefault,
    busy_stretch_end,
    database_create_if_missing,
    journey_dates_ahead,
    size_from_args,
)

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
LUA_DIR = BENCH_DIR / "lua"
SCENARIO_ORDER = (
    "hot-full",
    "hot-dates",
    "naive-hot",
    "hot-segments",
    "hot-waitlist",
    "early-full",
    "late-full",
    "early-segments",
    "late-segments",
    "spread",
    "naive-spread",
    "availability",
    "booking-list",
    "booking-list-100",
)
# Run at each size of the hot train.
HOT_SCENARIOS = ("hot-full", "hot-dates", "naive-hot", "hot-segments", "hot-waitlist")
# hot-waitlist: sales of random segments of the second half of a journey whose first half is sold
# out, WAITING_BOOKINGS waiting for it and its holds lapsing HOLDS_LAPSING_PER_S a second through
# the window (--lapses-per-s; bench.seed.hot_journey_open_waitlisted), one sale in HOLD_SHARE asking
# for a hold. The journey starts on the hot train's second running date after today, so that its
# chart is a day away.
WAITING_BOOKINGS = 200
HOLDS_LAPSING_PER_S = 10
HOLD_SHARE = 5
# One-seat sales on the largest hot train's journey, empty (early) or with its busiest leg
# SOLD_AHEAD sold by a bulk load before the window (late): whole routes, or random segments.
FILL_SCENARIOS = ("early-full", "late-full", "early-segments", "late-segments")
SOLD_AHEAD = 0.7
# Ours beside the baseline it is compared with (the hot train's beside its naive twin's size).
COUNTERPARTS = {
    "hot-full": "naive-hot",
    "hot-dates": "naive-hot",
    "hot-segments": "naive-hot",
    "hot-waitlist": "naive-hot",
    "spread": "naive-spread",
}
# The hot train booked on several dates beside the same train booked on one.
DATE_COUNTERPARTS = {"hot-dates": "hot-full"}
# A journey mostly sold beside an empty one.
FILL_COUNTERPARTS = {"late-full": "early-full", "late-segments": "early-segments"}
BOOKING_TABLES = {"ours": "bookings_booking", "naive": "naive_naivebooking"}


@dataclass
class Scenario:
    name: str
    script: str  # book.lua or get.lua
    env: dict[str, str]
    table: str | None = None  # where its bookings are stored, for booking scenarios
    # Run before the warm-up and again before measuring; what it returns is kept with the result.
    reset: Callable[[], dict[str, Any] | None] | None = None
    hot_train_id: Callable[[], int] | None = None  # the train whose invariants are checked after it
    hot_seats: int | None = None  # the hot train's (or its naive twin's) seats


@dataclass
class Result:
    scenario: str
    hot_seats: int | None
    connections: int
    duration_s: float
    requests: int
    requests_per_s: float
    bookings: int | None
    bookings_per_s: float | None
    selling_s: float | None
    bookings_per_s_selling: float | None
    latency_ms: dict[str, float]
    statuses: dict[str, int]
    socket_errors: dict[str, int]
    cpu_s: dict[str, float | None]
    peak_rss_mb: dict[str, float]
    wal: dict[str, float] = field(default_factory=dict)
    # What the database's sessions were doing, sampled with the selling clock (booking scenarios).
    db_sessions: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, object] = field(default_factory=dict)
    # Today's hot journey: what its reset sold ahead, and the share of seats sold on its busiest
    # leg when the window opened and when it closed.
    sold_ahead: dict[str, Any] | None = None
    busiest_leg_sold: dict[str, float] = field(default_factory=dict)
    # hot-waitlist: its seeded holds lapsed in the window and waiting bookings served (waitlist_summary).
    waitlist: dict[str, int] = field(default_factory=dict)
    round: int = 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    add_size_arguments(parser)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4: 2 cores)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync)")
    parser.add_argument("--connections", default="16,64", help="comma-separated (default 16,64)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per scenario (default 3)")
    parser.add_argument(
        "--duration", type=float, default=10, help="measured seconds per scenario (default 10)"
    )
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--hot-dates",
        type=int,
        default=8,
        help="start dates the hot-dates scenario spreads its bookings over (default 8)",
    )
    parser.add_argument(
        "--hot-classes",
        type=int,
        choices=(1, 2),
        default=1,
        help="classes of the hot train in the hot scenarios, its seats halved between GEN and AC with 2, "
        "each sale naming one at random; the naive twin has none, and the early/late scenarios keep one "
        "(default 1: all GEN, as the network trains)",
    )
    parser.add_argument(
        "--lapses-per-s",
        type=float,
        default=HOLDS_LAPSING_PER_S,
        help="holds of hot-waitlist's journey ending each second of its window "
        f"(default {HOLDS_LAPSING_PER_S})",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="run every scenario this many times; ratios of medians"
    )
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIO_ORDER), help="comma-separated subset, in the default order"
    )
    parser.add_argument("--no-seed", action="store_true", help="reuse the data of the last seed")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results" / "latest.json")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy flame graph of one worker during hot-segments on the largest hot train",
    )
    return parser.parse_args(argv)


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit(
            "wrk is not installed. On Debian or Ubuntu: sudo apt-get install -y wrk "
            "(macOS: brew install wrk). The benchmark drives the service with it."
        )
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def machine() -> dict[str, object]:
    import psutil

    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


# --- Processes and their resources ---------------------------------------------


def gunicorn_start(
    *, port: int, workers: int, worker_class: str, env: dict[str, str], log: Path
) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "railway.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--error-logfile",
        str(log),
    ]
    server = subprocess.Popen(  # noqa: S603
        command, cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited at start-up; see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/user/get_seat_availability/", timeout=2)
        except urllib.error.HTTPError as answer:
            if answer.code == 401 and len(gunicorn_workers(server.pid)) == workers:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit(f"gunicorn did not answer within 30 s; see {log}")


def gunicorn_stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def gunicorn_workers(master_pid: int) -> list[int]:
    import psutil

    try:
        return [child.pid for child in psutil.Process(master_pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    import psutil

    seconds = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        seconds[pid] = times.user + times.system
    return seconds


def postgres_pids(database: str) -> list[int]:
    """Return the PostgreSQL backends serving `database` (others on a shared server are not ours)."""
    import psutil

    pids = []
    for process in psutil.process_iter(["name", "cmdline"]):
        title = " ".join(process.info["cmdline"] or [])
        if (process.info["name"] or "").startswith("postgres") and f" {database} " in f" {title} ":
            pids.append(process.pid)
    return pids


def machine_busy_seconds() -> float:
    """Return the CPU seconds all processes of the machine have used, summed over cores."""
    import psutil

    times = psutil.cpu_times()
    # Guest time is already in user time; steal is time the hypervisor gave to others.
    not_ours = ("idle", "iowait", "steal", "guest", "guest_nice")
    return sum(getattr(times, name) for name in times._fields if name not in not_ours)


def wal_counters() -> dict[str, float]:
    """Return the server's WAL counters: records, full-page images and bytes written so far."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal")
        records, fpi, size = cursor.fetchone()
    connection.close()
    return {"records": float(records), "full_page_images": float(fpi), "bytes": float(size)}


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    # A process started in the window counts from zero; one that ended is lost (rare: connections persist).
    return round(sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items()), 2)


def peak_rss_mb(pid: int) -> float:
    """Return the process's peak resident memory (VmHWM) in MB, or its current RSS where unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import psutil

    try:
        return round(psutil.Process(pid).memory_info().rss / 2**20, 1)
    except psutil.NoSuchProcess:
        return 0.0


# The database's other sessions that are not idle, and what each waits on (NULL: on the CPU).
_SESSIONS_SQL = """
    SELECT wait_event_type, wait_event FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND backend_type = 'client backend' AND state <> 'idle'
"""


class SellingClock(threading.Thread):
    """Sample the count of bookings made since the window opened, to find when seats ran short.

    Seats run short when the journey sells out (the count stops growing) or, for the service,
    when it first refuses a request for want of seats (`refusals_watermark`): random segments
    of a train get refused long before every seat is sold. Each sample also reads
    pg_stat_activity: how many sessions were busy and what they waited on, so that time queued
    on a row lock shows apart from time working.
    """

    def __init__(self, *, table: str, watermark: int, refusals_watermark: int | None = None) -> None:
        super().__init__(daemon=True)
        self.table, self.watermark = table, watermark
        self.refusals_watermark = refusals_watermark
        self.samples: list[tuple[float, int]] = []
        # When the first refusal for want of seats was seen, and the bookings stored by then.
        self.first_refusal: tuple[float, int] | None = None
        self.sessions: list[tuple[float, list[tuple[str | None, str | None]]]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from bench.invariants import bookings_after, refusals_for_want_of_seats_after

        started = time.monotonic()
        try:
            while not self.stopped.is_set():
                stored = bookings_after(table=self.table, watermark=self.watermark)
                self.samples.append((time.monotonic() - started, stored))
                if (
                    self.refusals_watermark is not None
                    and self.first_refusal is None
                    and refusals_for_want_of_seats_after(watermark=self.refusals_watermark)
                ):
                    self.first_refusal = (time.monotonic() - started, stored)
                with connection.cursor() as cursor:
                    cursor.execute(_SESSIONS_SQL)
                    self.sessions.append((time.monotonic() - started, cursor.fetchall()))
                self.stopped.wait(0.05)
        finally:
            connection.close()

    def sessions_summary(self, *, until: float) -> dict[str, Any]:
        """Return the mean busy sessions, the mean waiting on a lock, and the share of each wait.

        Only the samples of the first `until` seconds count: the clock runs on past the window.
        """
        window = [sample for elapsed, sample in self.sessions if elapsed <= until]
        samples = len(window)
        if not samples:
            return {}
        busy = sum(len(sample) for sample in window)
        waits = Counter(f"{kind}:{event}" if kind else "cpu" for sample in window for kind, event in sample)
        on_lock = sum(1 for sample in window for kind, _ in sample if kind == "Lock")
        return {
            "seconds": round(until, 2),
            "samples": samples,
            "busy_mean": round(busy / samples, 2),
            "lock_wait_mean": round(on_lock / samples, 2),
            # Of the busy session samples, the share in each state, largest first.
            "waits": {name: round(count / max(busy, 1), 3) for name, count in waits.most_common()},
        }

    def selling(self, final_count: int) -> tuple[float, int] | None:
        """Return when seats ran short and how many bookings were stored by then (None if never).

        The earlier of the sample that first saw a refusal for want of seats (with the bookings
        counted at that sample) and the count's first reaching its final value.
        """
        sold_out = next(
            ((elapsed, count) for elapsed, count in self.samples if count >= final_count > 0), None
        )
        if self.first_refusal is not None and (sold_out is None or self.first_refusal[0] < sold_out[0]):
            return self.first_refusal
        return sold_out


# --- Scenarios ---------------------------------------------------------------------


def booking_target(**fields: object) -> str:
    """Return a booking's fields as the JSON fragment book.lua puts before the seat count."""
    values = {name: value.isoformat() if isinstance(value, date) else value for name, value in fields.items()}
    return json.dumps(values)[1:-1]


def load_data(workdir: Path, *, rng: random.Random, hot_date_count: int) -> dict[str, Any]:
    """Write the files the Lua scripts read: tokens, booking targets, paths."""
    # The keys themselves: the service stores only their digests, the naive baseline's DRF
    # tokens the keys (bench/seed.py gives both the same key for each user).
    from rest_framework.authtoken.models import Token as NaiveToken

    from bench.naive.models import NaiveTrain
    from trains.models import Stop, Train

    tokens = list(
        NaiveToken.objects.exclude(user__username=LISTER_USERNAME)
        .order_by("user_id")
        .values_list("key", flat=True)
    )
    lister = NaiveToken.objects.select_related("user").get(user__username=LISTER_USERNAME)
    routes: dict[int, list[str]] = {}
    numbers: dict[int, int] = dict(Train.objects.values_list("id", "train_number"))
    for train_id, name in Stop.objects.order_by("train_id", "position").values_list(
        "train_id", "station__name"
    ):
        routes.setdefault(train_id, []).append(name)
    hot_id = Train.objects.get(train_number=HOT_TRAIN_NUMBER).pk
    hot_route = routes.pop(hot_id)
    network = sorted(routes)

    def segment(route: list[str]) -> tuple[str, str]:
        start = rng.randrange(len(route) - 1)
        return route[start], route[rng.randint(start + 1, len(route) - 1)]

    def booking_line(number: int, source: str, destination: str) -> str:
        return booking_target(train_number=number, source=source, destination=destination)

    spread = []
    for _ in range(20_000):
        train_id = rng.choice(network)
        spread.append(booking_line(numbers[train_id], *segment(routes[train_id])))
    pairs = []
    for _ in range(20_000):
        source, destination = segment(routes[rng.choice(network)])
        query = urllib.parse.urlencode({"source": source, "destination": destination})
        pairs.append(f"/user/get_seat_availability/?{query}")
    naive_numbers = NaiveTrain.objects.exclude(train_number=HOT_TRAIN_NUMBER).values_list(
        "train_number", flat=True
    )
    # Whole routes of the hot train, each on one of its next running dates (tomorrow on, so that
    # none becomes past if the run crosses midnight).
    hot_dates = journey_dates_ahead(train_number=HOT_TRAIN_NUMBER, count=hot_date_count)
    waitlist_date = journey_dates_ahead(train_number=HOT_TRAIN_NUMBER, count=2)[-1]
    busy_to = busy_stretch_end(leg_count=len(hot_route) - 1)

    def waitlist_line(number: int) -> str:
        # Random segments of the second half of the route, which the waiting bookings leave free.
        start = rng.randrange(busy_to, len(hot_route) - 1)
        source, destination = hot_route[start], hot_route[rng.randint(start + 1, len(hot_route) - 1)]
        hold = {"hold": True} if number % HOLD_SHARE == 0 else {}
        return booking_target(
            train_number=HOT_TRAIN_NUMBER,
            journey_date=waitlist_date,
            source=source,
            destination=destination,
            **hold,
        )

    files = {
        "tokens": tokens,
        "lister_token": [lister.key],
        # No date: the service books today's journey.
        "hot_full": [booking_target(train_number=HOT_TRAIN_NUMBER)],
        "hot_dates": [booking_target(train_number=HOT_TRAIN_NUMBER, journey_date=day) for day in hot_dates],
        "hot_segments": [booking_line(HOT_TRAIN_NUMBER, *segment(hot_route)) for _ in range(5_000)],
        "hot_waitlist": [waitlist_line(number) for number in range(5_000)],
        "spread": spread,
        "naive_hot": [f'"train_number": {HOT_TRAIN_NUMBER}'],
        "naive_spread": [f'"train_number": {number}' for number in naive_numbers],
        "availability": pairs,
        "booking_list": [f"/user/get_booking_details/{lister.user_id}/"],
        "booking_list_100": [f"/user/get_booking_details/{lister.user_id}/?limit=100"],
    }
    paths = {}
    for name, lines in files.items():
        paths[name] = workdir / f"{name}.txt"
        paths[name].write_text("\n".join(lines) + "\n")
    return {
        "paths": paths,
        "hot_route_stops": len(hot_route),
        "hot_dates": hot_dates,
        "waitlist_date": waitlist_date,
        "load_users": len(tokens),
    }


def scenarios(
    data_paths: dict[str, Path],
    *,
    hot_seats: tuple[int, ...],
    hot_dates: list[date],
    seed: int,
    hot_classes: int = 1,
    waitlist_date: date | None = None,
    window_s: float = 10,
    lapses_per_s: float = HOLDS_LAPSING_PER_S,
) -> dict[tuple[str, int | None], Scenario]:
    """Return every scenario by (name, hot train's seats or None).

    hot-waitlist books `waitlist_date`, `lapses_per_s` holds ending each second of a window of
    `window_s` seconds.
    """
    from django.utils import timezone

    from bench.seed import (
        HOT_TRAIN_CLASSES,
        hot_journey_open_sold,
        hot_journey_open_waitlisted,
        hot_train_reset,
        naive_hot_train_reset,
    )
    from trains.coach_plans import DEFAULT_CLASS

    def book(
        targets: str, path: str, max_seats: int = 2, classes: Iterable[str] = (DEFAULT_CLASS,)
    ) -> dict[str, str]:
        # The service sells a class (one of `classes`, at random) to named passengers, as its
        # clients buy; the naive baseline knows no classes nor passengers, and is sent the seat
        # count it reads.
        return {
            "BENCH_TOKENS": str(data_paths["tokens"]),
            "BENCH_TARGETS": str(data_paths[targets]),
            "BENCH_PATH": path,
            "BENCH_MAX_SEATS": str(max_seats),
            **({} if path.startswith("/naive/") else {"BENCH_TRAVEL_CLASS": ",".join(classes)}),
        }

    hot_train_classes = HOT_TRAIN_CLASSES[:hot_classes]

    def get(paths: str, tokens: str = "tokens") -> dict[str, str]:
        return {"BENCH_TOKENS": str(data_paths[tokens]), "BENCH_PATHS": str(data_paths[paths])}

    hot_state: dict[str, int] = {}

    def hot_reset(
        seats: int, *, sold_ahead: float = 0.0, whole_route: bool = True, classes: int = hot_classes
    ) -> dict[str, Any] | None:
        # Today's journey, the one booked when a request gives no date.
        today = timezone.localdate()
        if not sold_ahead:
            hot_state["id"] = hot_train_reset(seats=seats, journey_dates=[today], classes=classes)
            return None
        hot_state["id"] = hot_train_reset(seats=seats, classes=classes)
        sold = hot_journey_open_sold(
            journey_date=today, busiest_leg_share=sold_ahead, whole_route=whole_route, seed=seed
        )
        return sold.__dict__

    def hot_dates_reset(seats: int) -> None:
        hot_state["id"] = hot_train_reset(seats=seats, journey_dates=hot_dates, classes=hot_classes)

    def hot_waitlist_reset(seats: int) -> dict[str, Any]:
        # One class, as the early and late scenarios. The holds end from just after the reset, which
        # comes right before the window, to its end.
        hot_state["id"] = hot_train_reset(seats=seats, classes=1)
        first_end = timezone.now() + timedelta(seconds=0.5)
        ahead = hot_journey_open_waitlisted(
            journey_date=waitlist_date,
            waiting=WAITING_BOOKINGS,
            holds=min(seats, max(1, round(lapses_per_s * window_s))),
            holds_end=(first_end, first_end + timedelta(seconds=window_s)),
            seed=seed,
        )
        return ahead.__dict__

    def hot_train_id() -> int:
        return hot_state["id"]

    def naive_hot_reset(seats: int) -> None:
        naive_hot_train_reset(seats=seats)

    ours, naive = BOOKING_TABLES["ours"], BOOKING_TABLES["naive"]
    found: dict[tuple[str, int | None], Scenario] = {}
    for seats in hot_seats:
        found[("hot-full", seats)] = Scenario(
            "hot-full",
            "book.lua",
            book("hot_full", "/user/book_seat/", classes=hot_train_classes),
            ours,
            lambda seats=seats: hot_reset(seats),
            hot_train_id,
            seats,
        )
        found[("hot-dates", seats)] = Scenario(
            "hot-dates",
            "book.lua",
            book("hot_dates", "/user/book_seat/", classes=hot_train_classes),
            ours,
            lambda seats=seats: hot_dates_reset(seats),
            hot_train_id,
            seats,
        )
        found[("hot-segments", seats)] = Scenario(
            "hot-segments",
            "book.lua",
            book("hot_segments", "/user/book_seat/", classes=hot_train_classes),
            ours,
            lambda seats=seats: hot_reset(seats),
            hot_train_id,
            seats,
        )
        if waitlist_date is not None:
            found[("hot-waitlist", seats)] = Scenario(
                "hot-waitlist",
                "book.lua",
                book("hot_waitlist", "/user/book_seat/"),
                ours,
                lambda seats=seats: hot_waitlist_reset(seats),
                hot_train_id,
                seats,
            )
        found[("naive-hot", seats)] = Scenario(
            "naive-hot",
            "book.lua",
            book("naive_hot", "/naive/book_seat/"),
            naive,
            lambda seats=seats: naive_hot_reset(seats),
            hot_seats=seats,
        )
    largest = max(hot_seats)
    # One class, whatever the hot scenarios have: the seats sold ahead fill the train from its first
    # seat, which in a train of two classes would leave one class all but sold out.
    for name in FILL_SCENARIOS:
        whole_route = name.endswith("-full")
        sold_ahead = SOLD_AHEAD if name.startswith("late") else 0.0
        found[(name, largest)] = Scenario(
            name,
            "book.lua",
            book("hot_full" if whole_route else "hot_segments", "/user/book_seat/", max_seats=1),
            ours,
            lambda sold_ahead=sold_ahead, whole_route=whole_route: hot_reset(
                largest, sold_ahead=sold_ahead, whole_route=whole_route, classes=1
            ),
            hot_train_id,
            largest,
        )
    found[("spread", None)] = Scenario("spread", "book.lua", book("spread", "/user/book_seat/"), ours)
    found[("naive-spread", None)] = Scenario(
        "naive-spread", "book.lua", book("naive_spread", "/naive/book_seat/"), naive
    )
    found[("availability", None)] = Scenario("availability", "get.lua", get("availability"))
    found[("booking-list", None)] = Scenario("booking-list", "get.lua", get("booking_list", "lister_token"))
    found[("booking-list-100", None)] = Scenario(
        "booking-list-100", "get.lua", get("booking_list_100", "lister_token")
    )
    return found


def runs_planned(chosen: list[str], *, hot_seats: tuple[int, ...]) -> list[tuple[str, int | None]]:
    """Return the (scenario, hot seats) pairs to run at each connection count, in order."""
    planned: list[tuple[str, int | None]] = []
    for seats in hot_seats:
        planned += [(name, seats) for name in HOT_SCENARIOS if name in chosen]
    planned += [(name, max(hot_seats)) for name in FILL_SCENARIOS if name in chosen]
    others = (name for name in SCENARIO_ORDER if name not in HOT_SCENARIOS + FILL_SCENARIOS)
    planned += [(name, None) for name in others if name in chosen]
    return planned


def wrk_run(
    *, url: str, scenario: Scenario, connections: int, seconds: float, threads: int, extra_env: dict[str, str]
) -> tuple[dict, list[int]]:
    command = [
        wrk_path(),
        "--threads",
        str(min(threads, connections)),
        "--connections",
        str(connections),
        "--duration",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--script",
        str(LUA_DIR / scenario.script),
        url,
    ]
    env = {**os.environ, **scenario.env, **extra_env, "BENCH_LUA_DIR": str(LUA_DIR)}
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    for line in finished.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            summary = json.loads(line.removeprefix("BENCH_JSON "))
            break
    else:
        raise RuntimeError(f"wrk printed no summary:\n{finished.stdout}\n{finished.stderr}")
    ids: list[int] = []
    ids_file = extra_env.get("BENCH_IDS_FILE")
    if ids_file and Path(ids_file).exists():
        ids = [int(line) for line in Path(ids_file).read_text().split()]
    return summary, ids


def database_quiesce(*, timeout: float = 10) -> None:
    """Wait until no other session of the database is busy: requests wrk gave up on have finished."""
    from django.db import connection

    time.sleep(0.2)
    deadline = time.monotonic() + timeout
    quiet_samples = 0
    while quiet_samples < 3 and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            busy = cursor.fetchone()[0]
        quiet_samples = quiet_samples + 1 if busy == 0 else 0
        time.sleep(0.05)


def scenario_run(
    *,
    scenario: Scenario,
    connections: int,
    args: argparse.Namespace,
    url: str,
    server: subprocess.Popen,
    workdir: Path,
    profile_svg: Path | None,
) -> Result:
    from django.db import connection
    from django.utils import timezone

    from bench.invariants import (
        bookings_after,
        bookings_per_journey,
        busiest_leg_sold_share,
        highest_id,
        inventory_violations,
        stored_booking_ids,
        waitlist_summary,
    )

    run_id = f"{scenario.name}-{connections}-{secrets.token_hex(4)}"
    if scenario.reset:
        scenario.reset()
    if args.warmup > 0:
        wrk_run(
            url=url,
            scenario=scenario,
            connections=connections,
            seconds=args.warmup,
            threads=args.wrk_threads,
            extra_env={"BENCH_KEY_PREFIX": f"warm-{run_id}"},
        )
        database_quiesce()
    sold_ahead = scenario.reset() if scenario.reset else None
    # Of today's hot journey, for the scenarios that book it (hot-dates books others).
    busiest_before = (
        busiest_leg_sold_share(train_id=scenario.hot_train_id(), journey_date=timezone.localdate())
        if scenario.hot_train_id is not None and scenario.name not in ("hot-dates", "hot-waitlist")
        else None
    )
    watermark = highest_id(table=scenario.table) if scenario.table else 0
    # The naive baseline keeps no refusals; its first one comes as it sells out.
    refusals_watermark = (
        highest_id(table="bookings_idempotencyrecord") if scenario.table == "bookings_booking" else None
    )
    connection.close()  # the clock thread uses its own connection; ours would sit idle in the window
    ids_file = workdir / f"ids-{run_id}.txt"
    clock = (
        SellingClock(table=scenario.table, watermark=watermark, refusals_watermark=refusals_watermark)
        if scenario.table
        else None
    )
    workers = gunicorn_workers(server.pid)
    server_pids = [server.pid, *workers]
    database = connection.settings_dict["NAME"]
    db_pids = postgres_pids(database)
    profiler = None
    if profile_svg is not None:
        profiler = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).with_name("py-spy")),
                "record",
                "--pid",
                str(workers[0]),
                "--duration",
                str(max(1, round(args.duration))),
                "--rate",
                "200",
                "--output",
                str(profile_svg),
                "--format",
                "flamegraph",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    wal_before = wal_counters()
    server_before, db_before = cpu_seconds(server_pids), cpu_seconds(db_pids)
    busy_before, load_before = machine_busy_seconds(), os.getloadavg()[0]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    if clock:
        clock.start()
    summary, ids = wrk_run(
        url=url,
        scenario=scenario,
        connections=connections,
        seconds=args.duration,
        threads=args.wrk_threads,
        extra_env={"BENCH_KEY_PREFIX": run_id, "BENCH_IDS_FILE": str(ids_file) if scenario.table else ""},
    )
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_after, db_after = cpu_seconds(server_pids), cpu_seconds(postgres_pids(database))
    busy = machine_busy_seconds() - busy_before
    wal_after = wal_counters()
    database_quiesce()
    if clock:
        clock.stopped.set()
        clock.join()
    if profiler is not None:
        profiler.wait()
    wrk_cpu = (children_after.ru_utime - children_before.ru_utime) + (
        children_after.ru_stime - children_before.ru_stime
    )

    duration = summary["duration_us"] / 1e6
    server_cpu = cpu_delta(server_before, server_after)
    db_cpu = cpu_delta(db_before, db_after) if db_after else None
    statuses = {str(status): count for status, count in sorted(summary["statuses"].items())}
    created = statuses.get("201", 0)
    latency = summary["latency_us"]
    result = Result(
        scenario=scenario.name,
        hot_seats=scenario.hot_seats,
        connections=connections,
        duration_s=round(duration, 2),
        requests=summary["requests"],
        requests_per_s=round(summary["requests"] / duration, 1),
        bookings=None,
        bookings_per_s=None,
        selling_s=None,
        bookings_per_s_selling=None,
        latency_ms={
            key: round(latency[key] / 1000, 2) for key in ("p50", "p90", "p95", "p99", "max", "mean")
        },
        statuses=statuses,
        socket_errors=summary["socket_errors"],
        cpu_s={
            "gunicorn": server_cpu,
            "postgres": db_cpu,
            "wrk": round(wrk_cpu, 2),
            # Everything else on the machine in the window (other tenants, the checker, the kernel).
            "other": round(busy - server_cpu - (db_cpu or 0) - wrk_cpu, 2),
            "load_average_1m_before": round(load_before, 2),
        },
        peak_rss_mb={str(pid): peak_rss_mb(pid) for pid in workers},
        # Per request: a page's first change after a checkpoint writes the whole page to the WAL.
        wal={
            key: round((wal_after[key] - wal_before[key]) / max(summary["requests"], 1), 2)
            for key in wal_before
        },
    )
    if scenario.table:
        stored = bookings_after(table=scenario.table, watermark=watermark)
        selling = clock.selling(stored) if clock else None
        result.bookings = created
        result.bookings_per_s = round(created / duration, 1)
        # While seats last: a hot train that sells out, or starts refusing segments, mid-window
        # would otherwise cap both rates alike.
        if selling is not None and selling[0] < duration * 0.95:
            result.selling_s = selling[0]
            result.bookings_per_s_selling = round(min(selling[1], created) / selling[0], 1)
        else:
            result.bookings_per_s_selling = result.bookings_per_s
        if clock:
            # Over the same seconds as bookings/s while seats lasted.
            result.db_sessions = clock.sessions_summary(until=result.selling_s or duration)
        result.checks = {
            "stored_in_window": stored,
            "answered_201": created,
            # Requests in flight when wrk stopped finish on the server but their answers are dropped.
            "unanswered_at_cutoff": stored - created,
            "ids_answered": len(ids),
            "ids_distinct": len(set(ids)),
            "ids_stored": stored_booking_ids(table=scenario.table, ids=sorted(set(ids))),
        }
        if scenario.hot_train_id is not None:
            result.sold_ahead = sold_ahead
            if busiest_before is not None:
                result.busiest_leg_sold = {
                    "at_start": busiest_before,
                    "at_end": busiest_leg_sold_share(
                        train_id=scenario.hot_train_id(), journey_date=timezone.localdate()
                    ),
                }
            result.checks["hot_train_invariants"] = inventory_violations(
                train_id=scenario.hot_train_id(), naive=False
            )
            result.checks["bookings_per_journey"] = bookings_per_journey(
                train_id=scenario.hot_train_id(), watermark=watermark
            )
            if scenario.name == "hot-waitlist" and sold_ahead and sold_ahead["waiting_ids"]:
                result.waitlist = waitlist_summary(
                    train_id=scenario.hot_train_id(), waiting_ids=tuple(sold_ahead["waiting_ids"])
                )
    return result


def result_failures(result: Result) -> list[str]:
    failures = []
    label = f"{result.scenario} @{result.connections}"
    server_errors = sum(count for status, count in result.statuses.items() if status.startswith("5"))
    if server_errors:
        failures.append(f"{label}: {server_errors} answers were 5xx")
    checks = result.checks
    if checks:
        if not 0 <= checks["unanswered_at_cutoff"] <= result.connections:
            failures.append(
                f"{label}: {checks['answered_201']} answers were 201 but {checks['stored_in_window']} "
                f"bookings stored (at most {result.connections} may be in flight, unanswered, at the cutoff)"
            )
        if (
            not checks["ids_stored"]
            == checks["ids_distinct"]
            == checks["ids_answered"]
            == checks["answered_201"]
        ):
            failures.append(f"{label}: booking ids of 201 answers missing, repeated or not stored: {checks}")
        for name, count in (checks.get("hot_train_invariants") or {}).items():
            if count:
                failures.append(f"{label}: {name}: {count}")
    return failures


# --- Output --------------------------------------------------------------------------


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _seats(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def table(results: list[Result]) -> str:
    header = (
        f"{'scenario':<16}{'seats':>7}{'round':>6}{'conns':>6}{'req/s':>9}{'book/s':>9}{'short at':>9}"
        f"{'book/s*':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'lock wt':>8}{'cpu gun':>9}{'cpu pg':>8}"
        f"{'cpu wrk':>8}{'other':>8}{'rss MB':>8}  statuses"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        statuses = " ".join(f"{status}:{count}" for status, count in result.statuses.items())
        lock_wait = result.db_sessions.get("lock_wait_mean")
        lines.append(
            f"{result.scenario:<16}{_seats(result.hot_seats):>7}{result.round:>6}{result.connections:>6}"
            f"{_number(result.requests_per_s):>9}"
            f"{_number(result.bookings_per_s):>9}{_number(result.selling_s, 1):>9}"
            f"{_number(result.bookings_per_s_selling):>9}"
            f"{result.latency_ms['p50']:>9.1f}{result.latency_ms['p95']:>9.1f}{result.latency_ms['p99']:>9.1f}"
            f"{_number(lock_wait, 2):>8}"
            f"{_number(result.cpu_s['gunicorn'], 1):>9}{_number(result.cpu_s['postgres'], 1):>8}"
            f"{_number(result.cpu_s['wrk'], 1):>8}{_number(result.cpu_s['other'], 1):>8}"
            f"{max(result.peak_rss_mb.values(), default=0):>8.0f}  {statuses}"
        )
    lines.append(
        "seats: of the hot train (or its naive twin); book/s: 201s per second of the window; short at: "
        "seconds until seats ran short (the journey sold out, or the service first refused a request for "
        "want of seats); book/s*: 201s per second while seats lasted; lock wt: database sessions waiting "
        "on a lock, on average while seats lasted; cpu: seconds in the window (other: the rest of the "
        "machine); rss: peak per worker (largest)."
    )
    return "\n".join(lines)


def fill_table(results: list[Result]) -> str:
    """Return the busiest leg's share sold as each late or early window opened and closed."""
    lines = [
        f"{'scenario':<16}{'seats':>7}{'round':>6}{'conns':>6}{'sold ahead':>12}{'at start':>10}{'at end':>8}"
    ]
    for result in results:
        if result.scenario not in FILL_SCENARIOS:
            continue
        ahead = (result.sold_ahead or {}).get("bookings", 0)
        lines.append(
            f"{result.scenario:<16}{_seats(result.hot_seats):>7}{result.round:>6}{result.connections:>6}"
            f"{ahead:>12,}{_number(result.busiest_leg_sold.get('at_start'), 3):>10}"
            f"{_number(result.busiest_leg_sold.get('at_end'), 3):>8}"
        )
    return "\n".join(lines)


def waitlist_table(results: list[Result]) -> str:
    """Return, for each hot-waitlist run, the holds lapsed and waiting bookings served in its window."""
    lines = [
        f"{'seats':>7}{'round':>6}{'conns':>6}{'waiting':>9}{'served':>8}{'left':>6}{'holds':>7}"
        f"{'lapsed':>8}{'ended, not yet':>16}"
    ]
    for result in results:
        if not result.waitlist:
            continue
        ahead, summary = result.sold_ahead or {}, result.waitlist
        lines.append(
            f"{_seats(result.hot_seats):>7}{result.round:>6}{result.connections:>6}"
            f"{ahead.get('waiting', 0):>9}"
            f"{summary['waiting_served']:>8}{summary['still_waiting']:>6}{ahead.get('held', 0):>7}"
            f"{summary['holds_lapsed']:>8}{summary['holds_ended_unwritten']:>16}"
        )
    lines.append(
        "waiting: bookings waiting at the start; served: of them, seated by the window's end; left: still "
        "waiting; holds: seeded, ending through the window; lapsed: written lapsed by the sales; ended, not "
        "yet: ended but not yet written so (the next access to the journey does it)."
    )
    return "\n".join(lines)


def _runs(results: list[Result]) -> dict[tuple[str, int | None, int], list[Result]]:
    runs: dict[tuple[str, int | None, int], list[Result]] = {}
    for result in results:
        runs.setdefault((result.scenario, result.hot_seats, result.connections), []).append(result)
    return runs


def ratios(results: list[Result], counterparts: dict[str, str]) -> list[dict[str, Any]]:
    """Return ours against its counterpart (same hot train size) per connection count: ratios of the medians.

    Each round's own bookings ratio is listed too, with their median: paired within a round, it
    holds when the whole machine speeds up or slows down from one round to the next.
    """
    runs = _runs(results)
    rows = []
    for (name, hot_seats, connections), ours in runs.items():
        baseline = runs.get((counterparts.get(name, ""), hot_seats, connections))
        if baseline is None:
            continue
        baseline_by_round = {result.round: result for result in baseline}
        by_round = [
            _ratio(result.bookings_per_s_selling, baseline_by_round[result.round].bookings_per_s_selling)
            for result in ours
            if result.round in baseline_by_round
        ]
        rows.append(
            {
                "scenario": name,
                "baseline": baseline[0].scenario,
                "hot_seats": hot_seats,
                "connections": connections,
                "rounds": len(ours),
                "bookings_per_s": _ratio(
                    _median(result.bookings_per_s_selling for result in ours),
                    _median(result.bookings_per_s_selling for result in baseline),
                ),
                "bookings_per_s_ours_theirs": [
                    _median(result.bookings_per_s_selling for result in ours),
                    _median(result.bookings_per_s_selling for result in baseline),
                ],
                "requests_per_s": _ratio(
                    _median(result.requests_per_s for result in ours),
                    _median(result.requests_per_s for result in baseline),
                ),
                "p99_ms": [
                    _median(result.latency_ms["p99"] for result in ours),
                    _median(result.latency_ms["p99"] for result in baseline),
                ],
                "bookings_per_s_by_round": by_round,
                "bookings_per_s_paired": _median(by_round),
            }
        )
    return rows


def medians(results: list[Result]) -> list[dict[str, Any]]:
    """Return, per scenario, hot train size and connection count, the medians over the rounds."""
    return [
        {
            "scenario": name,
            "hot_seats": hot_seats,
            "connections": connections,
            "rounds": len(group),
            "requests_per_s": _median(result.requests_per_s for result in group),
            "bookings_per_s_selling": _median(result.bookings_per_s_selling for result in group),
            "p50_ms": _median(result.latency_ms["p50"] for result in group),
            "p95_ms": _median(result.latency_ms["p95"] for result in group),
            "p99_ms": _median(result.latency_ms["p99"] for result in group),
            "lock_wait_mean": _median(result.db_sessions.get("lock_wait_mean") for result in group),
        }
        for (name, hot_seats, connections), group in _runs(results).items()
    ]


def _median(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return round(statistics.median(present), 2) if present else None


def _ratio(ours: float | None, baseline: float | None) -> float | None:
    if not ours or not baseline:
        return None
    return round(ours / baseline, 2)


def ratio_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'ours':<16}{'vs':<16}{'seats':>7}{'conns':>6}{'book/s* ours/theirs':>21}{'ratio':>7}{'req/s':>7}"
        f"{'p99 ours/theirs ms':>20}{'paired':>8}  book/s* by round"
    ]
    for row in rows:
        p99 = row["p99_ms"]
        ours, theirs = row["bookings_per_s_ours_theirs"]
        by_round = " ".join(_number(ratio, 2) for ratio in row["bookings_per_s_by_round"])
        lines.append(
            f"{row['scenario']:<16}{row['baseline']:<16}{_seats(row['hot_seats']):>7}{row['connections']:>6}"
            f"{_number(ours):>12} / {_number(theirs):<6}"
            f"{_number(row['bookings_per_s'], 2):>7}{_number(row['requests_per_s'], 2):>7}"
            f"{_number(p99[0], 1):>11} / {_number(p99[1], 1):<6}"
            f"{_number(row['bookings_per_s_paired'], 2):>8}  {by_round}"
        )
    return "\n".join(lines)


def median_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'scenario':<16}{'seats':>7}{'conns':>6}{'rounds':>7}{'req/s':>9}{'book/s*':>9}{'p50 ms':>9}"
        f"{'p95 ms':>9}{'p99 ms':>9}{'lock wt':>8}"
    ]
    for row in rows:
        lines.append(
            f"{row['scenario']:<16}{_seats(row['hot_seats']):>7}{row['connections']:>6}{row['rounds']:>7}"
            f"{_number(row['requests_per_s']):>9}{_number(row['bookings_per_s_selling']):>9}"
            f"{_number(row['p50_ms'], 1):>9}{_number(row['p95_ms'], 1):>9}{_number(row['p99_ms'], 1):>9}"
            f"{_number(row['lock_wait_mean'], 2):>8}"
        )
    return "\n".join(lines)


# --- Main ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk_path()
    connection_counts = [int(count) for count in args.connections.split(",") if count.strip()]
    chosen = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = set(chosen) - set(SCENARIO_ORDER)
    if unknown:
        sys.exit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if args.rounds < 1 or args.hot_dates < 1:
        sys.exit("--rounds and --hot-dates must be at least 1")
    if args.lapses_per_s <= 0:
        sys.exit("--lapses-per-s must be above 0")

    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    # Production settings: the service's own defaults with DEBUG off, a fresh secret, no TLS
    # redirect (wrk speaks plain HTTP on loopback) and connections kept across requests; the
    # limits (BENCH_LIMITS) raised out of the load's way.
    os.environ.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "600"),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            "DJANGO_SETTINGS_MODULE": "bench.settings",
        }
    )
    bench_environment_setdefault()
    database_create_if_missing(os.environ["DATABASE_URL"])
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    if connection.vendor != "postgresql":
        sys.exit("The benchmark runs against PostgreSQL; set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    size = size_from_args(args)
    seed_report = None
    if not args.no_seed:
        from bench.seed import seed

        print(f"Seeding {size} (seed {args.seed}) ...", flush=True)
        seed_report = seed(size=size, seed=args.seed)
        print(f"Seeded in {seed_report.seconds}s", flush=True)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="railway-bench-"))
    data = load_data(workdir, rng=random.Random(args.seed), hot_date_count=args.hot_dates)
    connection.close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server_env = {key: value for key, value in os.environ.items() if key != "PYTHONSTARTUP"}
    server = gunicorn_start(
        port=port,
        workers=args.workers,
        worker_class=args.worker_class,
        env=server_env,
        log=args.output.with_name("gunicorn.log"),
    )
    database = connection.settings_dict["NAME"]
    print(f"gunicorn: {args.workers} {args.worker_class} workers on {url}, database {database}")
    all_scenarios = scenarios(
        data["paths"],
        hot_seats=size.hot_seats,
        hot_dates=data["hot_dates"],
        seed=args.seed,
        hot_classes=args.hot_classes,
        waitlist_date=data["waitlist_date"],
        window_s=args.duration,
        lapses_per_s=args.lapses_per_s,
    )
    planned = runs_planned(chosen, hot_seats=size.hot_seats)
    results: list[Result] = []
    profile_svg = None
    try:
        for round_number in range(1, args.rounds + 1):
            for connections in connection_counts:
                for name, hot_seats in planned:
                    profile_this = (
                        args.profile
                        and (name, hot_seats) == ("hot-segments", max(size.hot_seats))
                        and connections == connection_counts[0]
                        and round_number == 1
                    )
                    svg = (
                        args.output.with_name(f"{args.output.stem}-hot-segments.svg")
                        if profile_this
                        else None
                    )
                    result = scenario_run(
                        scenario=all_scenarios[(name, hot_seats)],
                        connections=connections,
                        args=args,
                        url=url,
                        server=server,
                        workdir=workdir,
                        profile_svg=svg,
                    )
                    result.round = round_number
                    if svg is not None:
                        profile_svg = svg
                    results.append(result)
                    print(
                        f"  {name:<14} {hot_seats or '':>6} #{round_number} @{connections:<3} "
                        f"{result.requests_per_s:>8,.0f} req/s p99 {result.latency_ms['p99']:.1f} ms  "
                        f"{result.statuses}",
                        flush=True,
                    )
    finally:
        gunicorn_stop(server)
        shutil.rmtree(workdir, ignore_errors=True)

    from bench.invariants import inventory_violations

    final = inventory_violations()
    failures = [failure for result in results for failure in result_failures(result)]
    failures += [f"final inventory: {name}: {count}" for name, count in final.items() if count]

    ratio_rows = ratios(results, COUNTERPARTS)
    date_ratio_rows = ratios(results, DATE_COUNTERPARTS)
    fill_ratio_rows = ratios(results, FILL_COUNTERPARTS)
    median_rows = medians(results)
    print()
    print(table(results))
    if args.rounds > 1:
        print()
        print(f"Medians over {args.rounds} rounds:")
        print(median_table(median_rows))
    print()
    print(
        "Ratios to the naive baseline (ours / naive; book/s* while seats lasted, of the medians over rounds; "
        "paired: the median of each round's own ratio):"
    )
    print(ratio_table(ratio_rows))
    if date_ratio_rows:
        print()
        hot_dates = ", ".join(day.isoformat() for day in data["hot_dates"])
        print(f"The hot train on {args.hot_dates} dates ({hot_dates}) against one date (today):")
        print(ratio_table(date_ratio_rows))
    if fill_ratio_rows:
        print()
        print(
            f"One-seat sales with the journey's busiest leg {SOLD_AHEAD:.0%} sold ahead (late) against "
            "an empty journey (early); busiest leg sold when each window opened and closed:"
        )
        print(ratio_table(fill_ratio_rows))
        print(fill_table(results))
    if any(result.waitlist for result in results):
        print()
        print(
            f"hot-waitlist: the journey's first half sold out with {WAITING_BOOKINGS} bookings waiting and "
            f"{args.lapses_per_s:g} holds ending a second; what the window's sales brought about:"
        )
        print(waitlist_table(results))
    print()
    print("Invariants at the end of the run:")
    for name, count in final.items():
        print(f"  {name}: {count}")
    verdict = "FAIL" if failures else "PASS"
    for failure in failures:
        print(f"  FAIL {failure}")
    print(verdict)

    report = {
        "verdict": verdict,
        "failures": failures,
        "command": " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine(),
        "settings": {
            "workers": args.workers,
            "worker_class": args.worker_class,
            "warmup_s": args.warmup,
            "duration_s": args.duration,
            "wrk_threads": args.wrk_threads,
            "rounds": args.rounds,
            "database": connection.settings_dict["NAME"],
            "conn_max_age": connection.settings_dict["CONN_MAX_AGE"],
            "limits": {name: os.environ[name] for name in BENCH_LIMITS},
        },
        "size": size.__dict__,
        "seed": args.seed,
        "seed_report": seed_report.__dict__ if seed_report else None,
        "load_users": data["load_users"],
        "hot_route_stops": data["hot_route_stops"],
        "hot_seats": list(size.hot_seats),
        "hot_dates": [day.isoformat() for day in data["hot_dates"]],
        "results": [result.__dict__ for result in results],
        "medians": median_rows,
        "ratios": ratio_rows,
        "date_ratios": date_ratio_rows,
        "fill_ratios": fill_ratio_rows,
        "sold_ahead_busiest_leg_share": SOLD_AHEAD,
        "final_invariants": final,
        "profile_svg": str(profile_svg) if profile_svg else None,
        "git_commit": _git_commit(),
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Results: {args.output}" + (f"; flame graph: {profile_svg}" if profile_svg else ""))
    return 1 if failures else 0


def _git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
