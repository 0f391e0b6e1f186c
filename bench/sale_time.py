"""Time one-statement sales on the hot journey from one database session, with no HTTP and no Python engine.

Re-creates the hot train empty (as the benchmark's hot scenarios do), then sells random segments
of it, one or two seats each, with an Idempotency-Key, each sale its own transaction, exactly as
the service calls it; and prints the mean time per sale for each round. It measures what the
database does for a sale, commit included, without the load generator's or the workers' noise:
run it before and after a change to the sale function. Needs a seeded database (python -m
bench.seed); DATABASE_URL as for the benchmark.
"""

import argparse
import random
import statistics
import sys
import time
import uuid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sale_time", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sales", type=int, default=600, help="sales per round (default 600)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each on a new hot train (default 3)")
    parser.add_argument("--seats", type=int, default=1_000, help="seats of the hot train (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--lock-through-flush",
        action="store_true",
        help="SELECT bookings_sell_seats() instead of the procedure: one transaction whose journey lock "
        "is held until its commit is on disk (the sale before migration 0009)",
    )
    args = parser.parse_args(argv)

    from bench.seed import bench_environment_setdefault

    bench_environment_setdefault()
    import django

    django.setup()
    from django.db import connection

    from bench.seed import HOT_TRAIN_NUMBER, hot_train_reset
    from bookings.services import (
        SELL_IN_TRANSACTION,
        SELL_RELEASING_LOCK_EARLY,
        journey_date_default,
        sale_arguments,
    )
    from trains.models import Train
    from users.models import User

    if connection.vendor != "postgresql":
        sys.exit("the one-statement sale is PostgreSQL's: set DATABASE_URL to a seeded PostgreSQL database")
    statement = SELL_IN_TRANSACTION if args.lock_through_flush else SELL_RELEASING_LOCK_EARLY
    today = journey_date_default()
    users = list(User.objects.order_by("id").values_list("id", flat=True)[:2_000])
    means = []
    for round_number in range(args.rounds):
        hot_train_reset(seats=args.seats, journey_dates=[today])
        train = Train.objects.get(train_number=HOT_TRAIN_NUMBER)
        keys = list(train.stops.order_by("position").values_list("station__key", flat=True))
        rng = random.Random(args.seed + round_number)
        seconds, booked = [], 0
        with connection.cursor() as cursor:
            for _ in range(args.sales):
                start = rng.randrange(len(keys) - 1)
                end = rng.randrange(start + 1, len(keys))
                arguments = sale_arguments(
                    user_id=rng.choice(users),
                    train_number=HOT_TRAIN_NUMBER,
                    seat_count=rng.choice((1, 2)),
                    journey_date=today,
                    today=today,
                    source_key=keys[start],
                    destination_key=keys[end],
                    idempotency_key=uuid.uuid4().hex,
                    fingerprint="0" * 64,
                )
                started = time.perf_counter()
                cursor.execute(statement, arguments)
                outcome = cursor.fetchone()[0]
                seconds.append(time.perf_counter() - started)
                booked += '"booked"' in outcome
        means.append(statistics.mean(seconds) * 1_000)
        median = statistics.median(seconds) * 1_000
        print(
            f"round {round_number + 1}: {means[-1]:.3f} ms a sale (median {median:.3f}), "
            f"{booked} of {args.sales} booked"
        )
    print(f"median of the rounds' means: {statistics.median(means):.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
