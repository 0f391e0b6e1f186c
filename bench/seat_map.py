"""Time the seat map (GET /trains/<n>/journeys/<date>/seats/) of a 24-coach train whose journey is 70% sold.

Creates train SEAT_MAP_TRAIN (24 coaches of 72 berths or seats, 1,728 seats, over 12 stations),
sells tomorrow's journey through the sale service, at random segments and group sizes, until
70% of its seat-legs are sold, then asks for its seat map --requests times through Django's
test client (authentication, routing, the view and JSON rendering included, no network) on the
whole route, on a middle segment and in one class, and prints each one's median and p95. The
train and its bookings are deleted at the end (and any left by an interrupted run, at the
start). DATABASE_URL as for the benchmark; it defaults to the benchmark's database.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time

SEAT_MAP_TRAIN = 990_024
STATIONS = [f"Seatmap {number:02d}" for number in range(1, 13)]
SOLD_SHARE = 0.7


def percentile(times: list[float], share: float) -> float:
    """Return the value `share` of the way up the sorted `times` (nearest rank)."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seat_map", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per case (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)

    from bench.seed import bench_environment_setdefault, database_create_if_missing

    bench_environment_setdefault()
    database_create_if_missing(os.environ["DATABASE_URL"])
    # Django's test client asks for this host.
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from bookings.errors import InsufficientSeats
    from bookings.models import Booking
    from bookings.services import booking_create
    from trains.coach_plans import CoachPlan
    from trains.models import Train
    from trains.services import train_create
    from users.models import User
    from users.services import token_create

    call_command("migrate", verbosity=0)

    def train_delete() -> None:
        Booking.objects.filter(train__train_number=SEAT_MAP_TRAIN).delete()
        Train.objects.filter(train_number=SEAT_MAP_TRAIN).delete()

    train_delete()
    coaches = [
        *(CoachPlan(f"A{number}", "3A", 72, "berths-8") for number in range(1, 11)),
        *(CoachPlan(f"S{number}", "SL", 72, "berths-8") for number in range(1, 11)),
        *(CoachPlan(f"D{number}", "2S", 72, "seats-3x2") for number in range(1, 5)),
    ]
    total_seats = sum(coach.seats for coach in coaches)
    train_create(
        train_number=SEAT_MAP_TRAIN,
        source=STATIONS[0],
        destination=STATIONS[-1],
        total_seats=total_seats,
        stops=STATIONS,
        coaches=coaches,
    )
    user, _ = User.objects.get_or_create(username="seat-map-bench")
    journey_date = timezone.localdate() + datetime.timedelta(days=1)
    rng = random.Random(args.seed)
    legs = len(STATIONS) - 1
    sold = 0
    started = time.perf_counter()
    while sold < SOLD_SHARE * total_seats * legs:
        first, last = sorted(rng.sample(range(len(STATIONS)), 2))
        seat_count = rng.randint(1, 6)
        try:
            booking_create(
                user=user,
                train_number=SEAT_MAP_TRAIN,
                seat_count=seat_count,
                journey_date=journey_date,
                source=STATIONS[first],
                destination=STATIONS[last],
            )
        except InsufficientSeats:
            continue
        sold += seat_count * (last - first)
    print(
        f"{connection.vendor}: train {SEAT_MAP_TRAIN}, {len(coaches)} coaches, {total_seats:,} seats, "
        f"{legs} legs; {Booking.objects.filter(train__train_number=SEAT_MAP_TRAIN).count():,} bookings sell "
        f"{sold / (total_seats * legs):.0%} of its seat-legs ({time.perf_counter() - started:.1f} s)"
    )

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user).key}")
    url = f"/trains/{SEAT_MAP_TRAIN}/journeys/{journey_date.isoformat()}/seats/"
    cases = {
        "whole route": {},
        "middle segment": {"source": STATIONS[3], "destination": STATIONS[7]},
        "one class (SL)": {"travel_class": "SL"},
        "journey not sold yet": None,
    }
    try:
        for name, params in cases.items():
            case_url = url
            if params is None:
                case_url = url.replace(
                    journey_date.isoformat(), (journey_date + datetime.timedelta(days=1)).isoformat()
                )
                params = {}
            times = []
            for _ in range(args.requests):
                began = time.perf_counter()
                response = client.get(case_url, params)
                times.append(time.perf_counter() - began)
                assert response.status_code == 200, response.content
            seats = sum(len(coach["seats"]) for coach in response.json()["coaches"])
            print(
                f"{name:>22}: median {statistics.median(times) * 1000:6.2f} ms, "
                f"p95 {percentile(times, 0.95) * 1000:6.2f} ms, {seats:,} seats, "
                f"{len(response.content):,} bytes"
            )
    finally:
        train_delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
