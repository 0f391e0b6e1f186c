"""Time a cancellation that serves ten waiting bookings (POST /user/cancel_booking/<id>/), on PostgreSQL.

Creates train PROMOTION_TRAIN (--seats seats in one class, over 10 stations) and opens a journey
of it for each repetition, on consecutive dates from the day after tomorrow (so that no chart
comes first), each written directly as bench.seed writes the hot journeys: every seat sold on
the whole route to confirmed parties, one of them a party of ten; then --waiting bookings
waiting, the first ten of one passenger each on the whole route (every other one having asked
for a hold), the rest parties of one to four on random segments. Cancelling the party of ten
frees ten seats on the whole route: the first ten waiting bookings are seated on them, in
order, and none of the others fits. Each repetition cancels it through Django's test client
(authentication, routing, the view, the cancellation with its waitlist served, and JSON
rendering included, no network), checks that exactly the first ten were served, and prints the
median, p95 and longest of the timed ones. The train and its bookings are deleted at the end
(and any left by an interrupted run, at the start). DATABASE_URL as for the benchmark; it
defaults to the benchmark's database. Exit status 1 when a cancellation served other than ten,
or the journeys' invariants (bench.invariants) are broken after.
"""

import argparse
import os
import random
import statistics
import sys
import time

from bench.seat_map import percentile

PROMOTION_TRAIN = 990_010
STATIONS = [f"Promotion {number:02d}" for number in range(1, 11)]
SERVED = 10
USERNAME = "promotion-bench"
# The target: a cancellation that promotes ten waiting bookings answers in less, at the 95th percentile.
TARGET_P95_MS = 50


def journey_bookings(*, seats: int, waiting: int, rng: random.Random) -> list:
    """Return the bookings of one journey, in order: the party of ten first, the waiting ones last."""
    from bench.seed import PARTY_SIZES, SeededBooking

    legs = len(STATIONS) - 1
    bookings = [SeededBooking(0, legs, SERVED)]
    unsold = seats - SERVED
    while unsold:
        party = min(rng.choice(PARTY_SIZES), unsold)
        bookings.append(SeededBooking(0, legs, party))
        unsold -= party
    for number in range(SERVED):
        bookings.append(SeededBooking(0, legs, 1, "waitlisted", hold_requested=number % 2 == 1))
    for _ in range(waiting - SERVED):
        first = rng.randrange(legs)
        bookings.append(
            SeededBooking(first, rng.randint(first + 1, legs), rng.choice(PARTY_SIZES), "waitlisted")
        )
    return bookings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.promotion_time", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--repetitions", type=int, default=50, help="cancellations timed, 1 to 100 (default 50)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="cancellations before timing (default 3)")
    parser.add_argument("--seats", type=int, default=500, help="seats of the train (default 500)")
    parser.add_argument(
        "--waiting",
        type=int,
        default=200,
        help=f"bookings waiting on each journey, the first {SERVED} of them served (default 200)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if not 1 <= args.repetitions <= 100 or not 0 <= args.warmup <= 10:
        parser.error("--repetitions runs from 1 to 100, --warmup from 0 to 10")
    if args.seats < SERVED + 1 or args.waiting < SERVED:
        parser.error(f"--seats must be more than {SERVED}, --waiting at least {SERVED}")

    from bench.seed import bench_environment_setdefault, database_create_if_missing

    bench_environment_setdefault()
    database_create_if_missing(os.environ["DATABASE_URL"])
    # Django's test client asks for this host; the request log stays out of the timing and the output.
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from bench.invariants import inventory_violations
    from bench.seed import journey_dates_ahead, journey_open_with
    from bookings.models import Booking
    from trains.models import Train
    from trains.services import train_create
    from users.models import User
    from users.services import token_create

    call_command("migrate", verbosity=0)

    def train_delete() -> None:
        Booking.objects.filter(train__train_number=PROMOTION_TRAIN).delete()
        Train.objects.filter(train_number=PROMOTION_TRAIN).delete()

    train_delete()
    train = train_create(
        train_number=PROMOTION_TRAIN,
        source=STATIONS[0],
        destination=STATIONS[-1],
        total_seats=args.seats,
        name="Promotion Bench Express",
        stops=STATIONS,
    )
    user, _ = User.objects.get_or_create(username=USERNAME)
    rng = random.Random(args.seed)
    count = args.warmup + args.repetitions
    started = time.perf_counter()
    # The day after tomorrow on: tomorrow's chart may come before the run ends.
    dates = journey_dates_ahead(train_number=PROMOTION_TRAIN, count=count + 1)[1:]
    journeys = []
    for journey_date in dates:
        ids = journey_open_with(
            train_id=train.pk,
            journey_date=journey_date,
            bookings=journey_bookings(seats=args.seats, waiting=args.waiting, rng=rng),
            seed=rng.randrange(2**32),
            user_ids=[user.pk],
        )
        waiting = ids[-args.waiting :]
        journeys.append((ids[0], waiting[:SERVED], waiting[SERVED:]))
    print(
        f"{connection.vendor}: train {PROMOTION_TRAIN}, {args.seats:,} seats sold out over {len(STATIONS)} "
        f"stations; {count} journeys, each with {args.waiting} bookings waiting "
        f"({time.perf_counter() - started:.1f} s)"
    )

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user).key}")
    times, wrong = [], []
    try:
        for number, (cancelled, first_ten, behind) in enumerate(journeys):
            began = time.perf_counter()
            response = client.post(f"/user/cancel_booking/{cancelled}/")
            elapsed = time.perf_counter() - began
            assert response.status_code == 200, response.content
            served = list(
                Booking.objects.filter(pk__in=[*first_ten, *behind])
                .exclude(status=Booking.Status.WAITLISTED)
                .order_by("id")
                .values_list("id", flat=True)
            )
            if served != first_ten:
                wrong.append(
                    f"journey {dates[number]}: served {len(served)} bookings, not the first {SERVED}"
                )
            if number >= args.warmup:
                times.append(elapsed)
        violations = {
            name: found
            for name, found in inventory_violations(train_id=train.pk, naive=False).items()
            if found
        }
    finally:
        train_delete()
    print(
        f"cancellation serving {SERVED} of {args.waiting} waiting, {len(times)} timed after {args.warmup}: "
        f"median {statistics.median(times) * 1000:.2f} ms, p95 {percentile(times, 0.95) * 1000:.2f} ms, "
        f"max {max(times) * 1000:.2f} ms (target p95 < {TARGET_P95_MS} ms: "
        f"{'met' if percentile(times, 0.95) * 1000 < TARGET_P95_MS else 'missed'})"
    )
    for failure in wrong + [f"{name}: {found}" for name, found in violations.items()]:
        print(f"FAIL {failure}")
    return 1 if wrong or violations else 0


if __name__ == "__main__":
    sys.exit(main())
