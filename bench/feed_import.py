"""The import benchmark: `make bench-import` (or `python -m bench.feed_import`).

It writes a national-size feed (bench.national_feed: 1,000,000 stop times by default) and its
next version, empties a PostgreSQL database, and times `manage.py import_gtfs` in three runs:
the first import, a re-import of the same feed, and the next version. Each run is a process of
its own under production settings, so its time includes reading the feed, and its peak memory
is its own. It prints a table of stop times per second and writes bench/results/import-latest.json.
"""

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.national_feed import NATIONAL, FeedSize, write_national_feed

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/railway_bench_import"
SEATS = 500


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
    first = write_national_feed(workdir / "v1", size=size, version=1, variants=variants)
    second = write_national_feed(workdir / "v2", size=size, version=2, variants=variants)
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
    }
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    runs = []
    for run, feed in (("first import", first), ("re-import, unchanged", first), ("next version", second)):
        print(f"{run} ...", flush=True)
        result = manage(env, "import_gtfs", str(feed), "--seats", str(SEATS), "--no-progress")
        per_second = stop_times[feed.name] / result["seconds"]
        runs.append(
            {"run": run, "stop_times": stop_times[feed.name], "stop_times_per_s": round(per_second), **result}
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
    print("| run | stop times | seconds | stop times/s | peak memory (MB) |")
    print("|---|---:|---:|---:|---:|")
    for run in runs:
        print(
            f"| {run['run']} | {run['stop_times']:,} | {run['seconds']} | {run['stop_times_per_s']:,} "
            f"| {run['peak_rss_mb']:,} |"
        )
    for run in runs:
        print(f"\n{run['run']}:\n{run['output'].strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
