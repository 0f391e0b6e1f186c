"""Time sales on the hot journey through the engine's booking_create, from one session, with no HTTP.

Re-creates the hot train empty (as the benchmark's hot scenarios do), optionally sells a share
of it ahead by bulk load (as the late scenarios do), then sells random segments of it (or the
whole route), one or two seats each (or as many as --seats-per-sale) in the train's class for
named passengers, each sale its own transaction as the service makes it; and prints the mean
time per sale for each round. It measures what a sale costs the engine and the database,
commit included, without the load generator's or the workers' noise: run it before and after a
change to the engine. Needs a seeded database (python -m bench.seed); DATABASE_URL as for the benchmark.

With --second-half it sells only random segments of the second half of the route, on the hot
train's second running date after today; with --waitlisted too, on that journey as the
benchmark's hot-waitlist scenario opens it (its first half sold out, bookings waiting for it,
holds ending through --holds-over seconds from the round's start), and prints how many of the
holds lapsed and of the waiting bookings were served in the round. The two together tell what
the waitlist and the lapsing holds cost a sale.
"""

import argparse
import random
import statistics
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sale_time", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sales", type=int, default=600, help="sales per round (default 600)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each on a new hot train (default 3)")
    parser.add_argument("--seats", type=int, default=10_000, help="seats of the hot train (default 10000)")
    parser.add_argument(
        "--seats-per-sale", default="1,2", help="seat counts a sale draws from, comma-separated (default 1,2)"
    )
    parser.add_argument(
        "--whole-route", action="store_true", help="sell the whole route, not random segments"
    )
    parser.add_argument(
        "--sold-ahead",
        type=float,
        default=0.0,
        help="share of seats sold ahead on the busiest leg before timing, by one-seat bookings of the "
        "same kind of segment (default 0: an empty journey; the late scenarios use 0.7)",
    )
    parser.add_argument(
        "--second-half", action="store_true", help="sell random segments of the route's second half"
    )
    parser.add_argument(
        "--waitlisted",
        action="store_true",
        help="with --second-half, on a journey whose first half is sold out, with bookings waiting and "
        "holds lapsing (the hot-waitlist scenario's)",
    )
    parser.add_argument(
        "--holds-over",
        type=float,
        default=5.0,
        help="with --waitlisted, seconds from the round's start over which its holds end (default 5)",
    )
    parser.add_argument(
        "--lapses-per-s",
        type=float,
        default=10,
        help="with --waitlisted, holds ending each second of --holds-over (default 10, as the benchmark's)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    seat_counts = [int(count) for count in args.seats_per_sale.split(",") if count.strip()]
    if not 0 <= args.sold_ahead < 1:
        parser.error("--sold-ahead is a share from 0 to below 1")
    if (args.second_half or args.waitlisted) and (args.whole_route or args.sold_ahead):
        parser.error("--second-half and --waitlisted take neither --whole-route nor --sold-ahead")
    if args.waitlisted and not args.second_half:
        parser.error("--waitlisted sells the second half: give --second-half")

    from bench.seed import bench_environment_setdefault

    bench_environment_setdefault()
    import django

    django.setup()
    import datetime

    from django.utils import timezone

    from bench.invariants import waitlist_summary
    from bench.run import WAITING_BOOKINGS
    from bench.seed import (
        HOT_TRAIN_NUMBER,
        LISTER_USERNAME,
        busy_stretch_end,
        hot_journey_open_sold,
        hot_journey_open_waitlisted,
        hot_train_reset,
        journey_dates_ahead,
    )
    from bookings.errors import InsufficientSeats
    from bookings.passengers import PassengerRequest
    from bookings.services import booking_create, journey_date_default
    from trains.coach_plans import DEFAULT_CLASS
    from trains.models import Train
    from users.models import User

    today = journey_date_default()
    if args.second_half:
        today = journey_dates_ahead(train_number=HOT_TRAIN_NUMBER, count=2)[-1]
    users = list(User.objects.exclude(username=LISTER_USERNAME).order_by("id")[:2_000])
    means = []
    for round_number in range(args.rounds):
        if args.sold_ahead:
            hot_train_reset(seats=args.seats)
            hot_journey_open_sold(
                journey_date=today,
                busiest_leg_share=args.sold_ahead,
                whole_route=args.whole_route,
                seed=args.seed + round_number,
            )
        elif args.waitlisted:
            hot_id = hot_train_reset(seats=args.seats)
            first_end = timezone.now() + datetime.timedelta(seconds=0.1)
            ahead = hot_journey_open_waitlisted(
                journey_date=today,
                waiting=WAITING_BOOKINGS,
                holds=min(args.seats, max(1, round(args.lapses_per_s * args.holds_over))),
                holds_end=(first_end, first_end + datetime.timedelta(seconds=args.holds_over)),
                seed=args.seed + round_number,
            )
        else:
            hot_train_reset(seats=args.seats, journey_dates=[today])
        train = Train.objects.get(train_number=HOT_TRAIN_NUMBER)
        stations = list(train.stops.order_by("position").values_list("station__name", flat=True))
        # The first stop a sale may board at.
        first = busy_stretch_end(leg_count=len(stations) - 1) if args.second_half else 0
        rng = random.Random(args.seed + round_number)
        seconds, booked = [], 0
        for _ in range(args.sales):
            if args.whole_route:
                source, destination = None, None
            else:
                start = rng.randrange(first, len(stations) - 1)
                source, destination = stations[start], stations[rng.randint(start + 1, len(stations) - 1)]
            sale = {
                "user": rng.choice(users),
                "train_number": HOT_TRAIN_NUMBER,
                "travel_class": DEFAULT_CLASS,
                "passengers": [
                    PassengerRequest(name=f"Passenger {number}", age=rng.randint(1, 90))
                    for number in range(1, rng.choice(seat_counts) + 1)
                ],
                "journey_date": today,
                "source": source,
                "destination": destination,
            }
            started = time.perf_counter()
            try:
                booking_create(**sale)
            except InsufficientSeats:
                pass
            else:
                booked += 1
            seconds.append(time.perf_counter() - started)
        means.append(statistics.mean(seconds) * 1_000)
        median = statistics.median(seconds) * 1_000
        print(
            f"round {round_number + 1}: {means[-1]:.3f} ms a sale (median {median:.3f}), "
            f"{booked} of {args.sales} booked in {sum(seconds):.1f} s"
        )
        if args.waitlisted:
            summary = waitlist_summary(train_id=hot_id, waiting_ids=ahead.waiting_ids)
            print(
                f"  {summary['holds_lapsed']} of {ahead.held} holds lapsed, {summary['waiting_served']} of "
                f"{ahead.waiting} waiting bookings served"
            )
    print(f"median of the rounds' means: {statistics.median(means):.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
