"""Time the seat-availability search (bookings.selectors.trains_between) in process, with no HTTP.

Wipes the bench database, adds --trains trains calling at the same four stations, each of
--coaches coaches of 72 seats in four classes with fares and distances, sells seats on
segments of every train's journey tomorrow so that each journey is open with free stretches
of several lengths, then runs the search from the first station to the last --runs times and
prints the median and 95th percentile. It measures what the search costs Python and the
database: run it before and after a change to the search. PostgreSQL; DATABASE_URL as for the
benchmark (the database is wiped).
"""

import argparse
import datetime
import statistics
import sys
import time
from decimal import Decimal

ROUTE = ["SRCHA", "SRCHB", "SRCHC", "SRCHD"]
DISTANCES_KM = [Decimal(km) for km in ("0", "142.5", "310", "488.2")]
# (class, share of the coaches, per km, minimum, coach letter): a long-distance train's mix.
CLASSES = [
    ("1A", 1, "4.10", "1200.00", "H"),
    ("2A", 3, "2.45", "800.00", "A"),
    ("3A", 8, "1.60", "500.00", "B"),
    ("SL", 12, "0.55", "150.00", "S"),
]
FIRST_TRAIN_NUMBER = 70_001


def coaches_of(count: int) -> list[tuple[str, str]]:
    """Return `count` coaches (code, class) in the proportions of CLASSES, classes in that order."""
    shares = sum(share for _, share, _, _, _ in CLASSES)
    coaches: list[tuple[str, str]] = []
    for travel_class, share, _, _, letter in CLASSES:
        wanted = max(1, round(count * share / shares)) if travel_class != CLASSES[-1][0] else 0
        wanted = wanted or max(1, count - len(coaches))
        coaches += [(f"{letter}{number}", travel_class) for number in range(1, wanted + 1)]
    return coaches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_time", description=__doc__.split("\n\n")[0])
    parser.add_argument("--trains", type=int, default=200, help="trains found by the search (default 200)")
    parser.add_argument("--coaches", type=int, default=24, help="coaches of each train (default 24)")
    parser.add_argument("--runs", type=int, default=200, help="searches timed (default 200)")
    args = parser.parse_args(argv)

    from bench.seed import bench_environment_setdefault

    bench_environment_setdefault()
    import django

    django.setup()
    from django.db import connection

    from bench.seed import database_wipe
    from bookings.selectors import trains_between
    from bookings.services import booking_create
    from trains.coach_plans import CoachPlan
    from trains.fares import FarePlan
    from trains.services import train_create
    from users.models import User

    if connection.vendor != "postgresql":
        parser.error("the search is timed on PostgreSQL: set DATABASE_URL")
    database_wipe()
    user = User.objects.create_user(username="search-timer", password="unused-password")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    coaches = [CoachPlan(coach=code, travel_class=name, seats=72) for code, name in coaches_of(args.coaches)]
    fares = [
        FarePlan(travel_class=name, per_km=Decimal(per_km), minimum=Decimal(minimum))
        for name, _, per_km, minimum, _ in CLASSES
        if any(coach.travel_class == name for coach in coaches)
    ]
    for train_number in range(FIRST_TRAIN_NUMBER, FIRST_TRAIN_NUMBER + args.trains):
        train_create(
            train_number=train_number,
            source=ROUTE[0],
            destination=ROUTE[-1],
            total_seats=72 * len(coaches),
            stops=ROUTE,
            distances_km=DISTANCES_KM,
            coaches=coaches,
            fares=fares,
        )
        for seat_count, source, destination in [(6, 0, 1), (6, 1, 3), (4, 0, 3), (3, 2, 3)]:
            booking_create(
                user=user,
                train_number=train_number,
                seat_count=seat_count,
                journey_date=tomorrow,
                source=ROUTE[source],
                destination=ROUTE[destination],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        rows = trains_between(source=ROUTE[0], destination=ROUTE[-1], journey_date=tomorrow)
        times.append(time.perf_counter() - started)
    assert len(rows) == args.trains, len(rows)
    times.sort()
    print(
        f"search of {args.trains} trains x {len(coaches)} coaches, {args.runs} runs: "
        f"median {statistics.median(times) * 1000:.2f} ms, p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
