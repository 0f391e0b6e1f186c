"""The import benchmark: `make bench-import` (or `python -m bench.feed_import`).

It writes a national-size feed (bench.national_feed: 1,000,000 stop times by default) and its
next version, empties a PostgreSQL database, and times `manage.py import_gtfs` in three runs:
the first import, a re-import of the same feed, and the next version. Each run is a process of
its own under production settings, so its time includes reading the feed, and its peak memory
is its own. While the two re-imports run, client threads book seats on the feed's trains through
the booking service, each on its own database connection, and the table gives their answers and
latencies: an import must never make a sale wait. It prints a table and writes
bench/results/import-latest.json.
"""

import argparse
import datetime
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.national_feed import NATIONAL, FeedSize, first_service_day, write_national_feed

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/railway_bench_import"
SEATS = 500
# The booking clients: how many threads, on how many of the feed's trains, each booking at a
# steady rate (a passenger load, not a stress test that would take the import's processor from
# it), and at most how many bookings each, so that the load stays bounded whatever the import's speed.
CLIENTS = 8
TRAINS_BOOKED = 200
BOOKINGS_PER_CLIENT_PER_S = 10
BOOKINGS_PER_CLIENT_MAX = 20_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.feed_import", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stop-times", type=int, default=NATIONAL.stop_times, help="size of the feed")
    parser.add_argument(
        "--no-variants",
        action="store_true",
        help="one trip per train number instead of two calendar variants",
    )
    parser.add_argument(
        "--workdir", type=Path, help="where the feeds are written (default: a new temporary folder)"
    )
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results" / "import-latest.json")
    return parser.parse_args(argv)


def database_recreate(url: str) -> None:
    """Drop the PostgreSQL database named in `url`, if there is one, and create it empty."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("The import benchmark runs against PostgreSQL; set DATABASE_URL=postgres://...")
    params = {
        "dbname": "postgres",
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
        "host": config.get("HOST"),
        "port": config.get("PORT"),
    }
    admin = psycopg2.connect(**{key: value for key, value in params.items() if value})
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            name = sql.Identifier(config["NAME"])
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    finally:
        admin.close()


def manage(env: dict[str, str], *arguments: str) -> dict[str, object]:
    """Run manage.py with `arguments`; return its wall time, peak memory and the end of its output."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"manage.py {' '.join(arguments)} failed:\n{output}")
    # ru_maxrss is in KiB on Linux.
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "output": output[-2000:],
    }


class SalesDuringImport:
    """Client threads booking one seat at a time on the feed's trains until stopped."""

    def __init__(self, journey_date: datetime.date) -> None:
        from django.contrib.auth import get_user_model

        from trains.models import Train
        from trains.selectors import train_route

        self.journey_date = journey_date
        trains = Train.objects.order_by("train_number")[:TRAINS_BOOKED]
        self.targets = []
        for train in trains:
            route = train_route(train=train)
            self.targets.append((train.train_number, route[0], route[-1]))
        users = get_user_model().objects
        self.users = [
            users.get_or_create(
                username=f"import-bench-{index}", defaults={"email": f"import-bench-{index}@example.com"}
            )[0]
            for index in range(CLIENTS)
        ]
        self.outcomes: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.book, args=(index,)) for index in range(CLIENTS)]

    def book(self, index: int) -> None:
        from django.db import OperationalError, connection

        from bookings.services import booking_create

        interval = 1 / BOOKINGS_PER_CLIENT_PER_S
        next_at = time.perf_counter()
        try:
            for attempt in range(BOOKINGS_PER_CLIENT_MAX):
                # Waits for its next turn, or returns as soon as the import has ended.
                if self.stopping.wait(max(0.0, next_at - time.perf_counter())):
                    return
                next_at += interval
                number, source, destination = self.targets[(index + attempt * CLIENTS) % len(self.targets)]
                started = time.perf_counter()
                try:
                    booking_create(
                        user=self.users[index],
                        train_number=number,
                        seat_count=1,
                        journey_date=self.journey_date,
                        source=source,
                        destination=destination,
                    )
                    outcome = "sold"
                except OperationalError:
                    outcome = "database busy (503)"
                except Exception as refused:  # a domain error: the service's answer, not a fault
                    outcome = type(refused).__name__
                with self.lock:
                    self.latencies.append(time.perf_counter() - started)
                    self.outcomes[outcome] += 1
        finally:
            connection.close()

    def __enter__(self) -> "SalesDuringImport":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def summary(self) -> dict[str, object]:
        latencies = sorted(self.latencies)

        def percentile(share: float) -> float | None:
            return (
                round(latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000, 1)
                if latencies
                else None
            )

        return {
            "answers": dict(self.outcomes),
            "p50_ms": percentile(0.5),
            "p99_ms": percentile(0.99),
            "max_ms": percentile(1.0),
        }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    size = FeedSize(
        stop_times=args.stop_times,
        stops_per_trip=NATIONAL.stops_per_trip,
        stations=max(NATIONAL.stops_per_trip, NATIONAL.stations * args.stop_times // NATIONAL.stop_times),
        lines=max(1, NATIONAL.lines * args.stop_times // NATIONAL.stop_times),
    )
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="railway-feeds-"))
    variants = not args.no_variants
    print(f"Writing feeds of {size.stop_times:,} stop times into {workdir} ...", flush=True)
    today = datetime.datetime.now(datetime.UTC).date()
    first = write_national_feed(workdir / "v1", today=today, size=size, version=1, variants=variants)
    second = write_national_feed(workdir / "v2", today=today, size=size, version=2, variants=variants)
    stop_times = {feed.name: sum(1 for _ in (feed / "stop_times.txt").open()) - 1 for feed in (first, second)}
    database_recreate(url)
    env = {
        **{key: value for key, value in os.environ.items() if key != "PYTHONSTARTUP"},
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "DJANGO_SETTINGS_MODULE": "railway.settings",
        # The booking clients are few users buying many seats.
        "BOOKING_MAX_SEATS_PER_USER": "1000000",
        "BOOKING_MAX_SEATS_PER_USER_PER_TRAIN": "1000000",
    }
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    os.environ.update(env)
    import django

    django.setup()
    # A Tuesday of service: the weekday variants run.
    journey_date = first_service_day(today) + datetime.timedelta(days=1)
    runs = []
    for run, feed in (("first import", first), ("re-import, unchanged", first), ("next version", second)):
        print(f"{run} ...", flush=True)
        arguments = ("import_gtfs", str(feed), "--seats", str(SEATS), "--no-progress")
        if run == "first import":
            result, sales = manage(env, *arguments), None
        else:
            with SalesDuringImport(journey_date) as clients:
                result = manage(env, *arguments)
            sales = clients.summary()
        per_second = stop_times[feed.name] / result["seconds"]
        runs.append(
            {
                "run": run,
                "stop_times": stop_times[feed.name],
                "stop_times_per_s": round(per_second),
                **result,
                "sales": sales,
            }
        )
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "feed": {"stop_times": size.stop_times, "stations": size.stations, "variants": variants},
        "runs": runs,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print("| run | stop times | seconds | stop times/s | peak memory (MB) | sales meanwhile ", end="")
    print("| sale p50 / p99 / max (ms) |")
    print("|---|---:|---:|---:|---:|---|---|")
    for run in runs:
        sales = run["sales"]
        answers = (
            ", ".join(f"{count:,} {outcome}" for outcome, count in sales["answers"].items()) if sales else ""
        )
        timing = f"{sales['p50_ms']} / {sales['p99_ms']} / {sales['max_ms']}" if sales else ""
        print(
            f"| {run['run']} | {run['stop_times']:,} | {run['seconds']} | {run['stop_times_per_s']:,} "
            f"| {run['peak_rss_mb']:,} | {answers} | {timing} |"
        )
    for run in runs:
        print(f"\n{run['run']}:\n{run['output'].strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
