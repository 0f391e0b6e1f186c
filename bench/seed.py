"""Seed the benchmark database: a network of trains with sold seats, load users, hot and naive trains.

Run `python -m bench.seed [--small] [--seed N]`; `python -m bench` seeds before it measures.
Everything is drawn from one seeded random generator, so a seed gives the same network.
Every network train gets a journey on each seeded date (today in TIME_ZONE by default, or that
many consecutive dates from today); existing bookings are spread over those journeys and get
concrete seats from the bench's own allocator (bench.journey_seats, in memory, journey by
journey). Bookings, the seats they hold, the journeys and their free stretches are written with
COPY on PostgreSQL (bulk_create elsewhere), so the default size seeds in a minute or two. The hot
train is seeded with no journey: each scenario opens the journeys it books.
"""

import argparse
import csv
import io
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, models, transaction

from trains.coach_plans import DEFAULT_CLASS, CoachPlan, default_coaches

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/railway_bench"
# The hot trains have a number no network train has; the naive hot train shares it.
HOT_TRAIN_NUMBER = 1
FIRST_NETWORK_TRAIN_NUMBER = 10_001
LISTER_USERNAME = "bench-lister"
SEAT_COUNTS = (100, 150, 200, 300, 400)
# Group sizes of existing bookings: mostly one or two passengers.
PARTY_SIZES = (1, 1, 1, 1, 2, 2, 2, 3, 4)


@dataclass(frozen=True)
class SeedSize:
    trains: int
    stations: int
    bookings: int
    users: int
    lister_bookings: int = 1_000
    # The hot train's sizes: each hot scenario runs on each, beside a naive twin of the same size.
    hot_seats: tuple[int, ...] = (2_000, 10_000)
    hot_stops: int = 10
    min_stops: int = 5
    max_stops: int = 20
    # Consecutive start dates from today that every network train has a journey on.
    journey_dates: int = 1


DEFAULT_SIZE = SeedSize(trains=10_000, stations=2_000, bookings=100_000, users=2_000)
SMALL_SIZE = SeedSize(trains=500, stations=200, bookings=5_000, users=200)


@dataclass
class SeedReport:
    trains: int = 0
    stations: int = 0
    journeys: int = 0
    free_stretches: int = 0
    bookings: int = 0
    seats_held: int = 0
    passengers: int = 0
    users: int = 0
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert rows (values in `columns` order, column names as attnames); return how many."""
    count = 0
    if connection.vendor == "postgresql":
        copy_sql = (
            f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        )
        with connection.cursor() as cursor:
            for chunk in _chunks(rows, 200_000):
                buffer = io.StringIO()
                csv.writer(buffer).writerows(
                    tuple("\\N" if value is None else value for value in row) for row in chunk
                )
                buffer.seek(0)
                cursor.cursor.copy_expert(copy_sql, buffer)
                count += len(chunk)
    else:
        for chunk in _chunks(rows, 2_000):
            model.objects.bulk_create(model(**dict(zip(columns, row, strict=True))) for row in chunk)
            count += len(chunk)
    return count


def _reset_sequences(seeded_models: Sequence[type[models.Model]]) -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), seeded_models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _seeded_models() -> list[type[models.Model]]:
    from rest_framework.authtoken.models import Token as NaiveToken

    from bench.naive.models import NaiveBooking, NaiveTrain
    from bookings.models import Booking, BookingSeat, FreeStretch, IdempotencyRecord, Journey, Passenger
    from trains.models import Coach, Fare, ServiceException, Station, Stop, Train
    from users.models import Token, User

    # Children before parents, so that deleting in this order never trips a foreign key.
    return [
        NaiveBooking,
        NaiveTrain,
        BookingSeat,
        Passenger,
        FreeStretch,
        IdempotencyRecord,
        Booking,
        Journey,
        ServiceException,
        Coach,
        Fare,
        Stop,
        Train,
        Station,
        Token,
        NaiveToken,
        User,
    ]


def database_wipe() -> None:
    """Delete every row the seed writes (all users included): the bench database is the bench's own."""
    seeded = _seeded_models()
    if connection.vendor == "postgresql":
        tables = ", ".join(model._meta.db_table for model in seeded)
        with connection.cursor() as cursor:
            # Foreign keys are checked at commit; rows written earlier in this transaction
            # must be checked now, or TRUNCATE refuses to run over their pending checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        for model in seeded:
            model.objects.all().delete()


def seed(*, size: SeedSize, seed: int = 1, log=print) -> SeedReport:  # type: ignore[no-untyped-def]
    """Replace the database's contents with a seeded network, load users, and empty hot trains."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from rest_framework.authtoken.models import Token as NaiveToken

    from bench.journey_seats import JourneySeats
    from bench.naive.models import NaiveTrain
    from bookings.models import Booking, BookingSeat, FreeStretch, Journey, Passenger
    from trains.models import Station, Stop, Train, station_key
    from trains.time_zones import service_time_zone
    from users.models import Token, User, token_digest
    from users.usernames import username_key

    rng = random.Random(seed)
    report = SeedReport()
    started = step_started = time.monotonic()

    def step(name: str) -> None:
        nonlocal step_started
        now = time.monotonic()
        report.steps[name] = round(now - step_started, 2)
        log(f"  seed: {name} in {now - step_started:.1f}s")
        step_started = now

    now = timezone.now()
    today = timezone.localdate()
    # The network trains run every day (the timetable's default), so every date is bookable.
    journey_dates = [today + timedelta(days=offset) for offset in range(size.journey_dates)]
    with transaction.atomic():
        database_wipe()
        step("wipe")

        station_names = [f"Station {number:04d}" for number in range(1, size.stations + 1)]
        # In TIME_ZONE, as the journeys dated above: today's are today's at every station.
        time_zone = service_time_zone()
        report.stations = _insert(
            Station,
            ["id", "code", "name", "key", "time_zone"],
            (
                (pk, f"S{pk:04d}", name, station_key(name), time_zone)
                for pk, name in enumerate(station_names, start=1)
            ),
        )

        routes: list[list[int]] = []  # station ids, origin first
        seats_of: list[int] = []
        for _ in range(size.trains):
            stop_count = rng.randint(size.min_stops, min(size.max_stops, size.stations))
            routes.append([pk + 1 for pk in rng.sample(range(size.stations), stop_count)])
            seats_of.append(rng.choice(SEAT_COUNTS))
        report.trains = _insert(
            Train,
            ["id", "train_number", "name", "total_seats", "created_at"],
            (
                (index + 1, FIRST_NETWORK_TRAIN_NUMBER + index, f"Bench Express {index + 1}", seats, now)
                for index, seats in enumerate(seats_of)
            ),
        )
        _insert(
            Stop,
            ["train_id", "station_id", "position"],
            (
                (index + 1, station_id, position)
                for index, route in enumerate(routes)
                for position, station_id in enumerate(route)
            ),
        )
        step(f"{report.stations} stations, {report.trains} trains")

        # Users: the load's pool, and the one whose long booking list is read.
        password = make_password("bench-not-a-login")
        usernames = [f"bench-user-{number:05d}" for number in range(1, size.users + 1)]
        usernames.append(LISTER_USERNAME)
        report.users = _insert(
            User,
            [
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "username_key",
            ],
            (
                (
                    pk,
                    password,
                    False,
                    name,
                    "",
                    "",
                    f"{name}@bench.example",
                    False,
                    True,
                    now,
                    username_key(name),
                )
                for pk, name in enumerate(usernames, start=1)
            ),
        )
        lister_id = len(usernames)
        # One key per user. The service keeps only its digest; the naive baseline authenticates
        # with DRF's tokens, which keep the key itself, and that is where the load reads the keys.
        keys = [(pk, f"{rng.getrandbits(160):040x}") for pk in range(1, len(usernames) + 1)]
        expires_at = now + timedelta(hours=settings.TOKEN_TTL_HOURS)
        _insert(
            Token,
            ["digest", "user_id", "created_at", "expires_at"],
            ((token_digest(key), pk, now, expires_at) for pk, key in keys),
        )
        _insert(NaiveToken, ["key", "user_id", "created"], ((key, pk, now) for pk, key in keys))
        step(f"{report.users} users with tokens")

        # Existing bookings, their seats chosen in memory journey by journey:
        # journeys[train index][date index] is that journey's seats.
        journeys = [
            [
                JourneySeats(total_seats=seats_of[index], leg_count=len(routes[index]) - 1)
                for _ in journey_dates
            ]
            for index in range(size.trains)
        ]
        booking_rows: list[tuple] = []
        seat_held_rows: list[tuple] = []
        attempts = 0
        while len(booking_rows) < size.bookings and attempts < size.bookings * 2:
            attempts += 1
            index = rng.randrange(size.trains)
            # One date draws nothing, so that a seed gives the same bookings as before journeys.
            date_index = rng.randrange(len(journey_dates)) if len(journey_dates) > 1 else 0
            leg_count = len(routes[index]) - 1
            from_position = rng.randrange(leg_count)
            to_position = rng.randint(from_position + 1, leg_count)
            seats = journeys[index][date_index].sell(
                from_position=from_position, to_position=to_position, count=rng.choice(PARTY_SIZES)
            )
            if seats is None:
                continue
            booking_id = len(booking_rows) + 1
            user_id = lister_id if booking_id <= size.lister_bookings else rng.randint(1, size.users)
            created_at = now - timedelta(seconds=rng.randrange(30 * 86_400))
            booking_rows.append(
                (
                    booking_id,
                    user_id,
                    index + 1,
                    from_position,
                    to_position,
                    len(seats),
                    sorted(seats),
                    Booking.Status.CONFIRMED.value,
                    created_at,
                    None,
                    journey_dates[date_index],
                    *_booking_sale_columns(booking_id=booking_id),
                )
            )
            seat_held_rows.extend(
                (booking_id, seat, index + 1, journey_dates[date_index], from_position, to_position)
                for seat in seats
            )
        step(f"allocated {len(booking_rows)} bookings")
        report.bookings = _insert(Booking, BOOKING_COLUMNS, _booking_rows(booking_rows))
        report.seats_held = _insert(BookingSeat, SEAT_HELD_COLUMNS, seat_held_rows)
        places_of = {seats: seat_places(default_coaches(total_seats=seats)) for seats in set(seats_of)}
        report.passengers = _insert(
            Passenger,
            PASSENGER_COLUMNS,
            (
                passenger
                for row in booking_rows
                for passenger in _passenger_rows(
                    booking_id=row[0], seat_numbers=row[6], places=places_of[seats_of[row[2] - 1]]
                )
            ),
        )
        report.journeys = _insert(
            Journey,
            ["train_id", "date", "created_at"],
            (
                (index + 1, journey_date, now)
                for index in range(size.trains)
                for journey_date in journey_dates
            ),
        )
        report.free_stretches = _insert(
            FreeStretch,
            FREE_STRETCH_COLUMNS,
            (
                (index + 1, journey_date, seat, first, last)
                for index in range(size.trains)
                for date_index, journey_date in enumerate(journey_dates)
                for seat, first, last in journeys[index][date_index].free_stretches()
            ),
        )
        step(
            f"{report.bookings} bookings, {report.seats_held} seats held, {report.passengers} passengers, "
            f"{report.journeys} journeys, {report.free_stretches} free stretches"
        )

        # Naive twins of the network trains, their counters at what the busiest leg of the first
        # journey leaves free: the baseline has no dates, and the load books today's journeys.
        _insert(
            NaiveTrain,
            ["train_number", "total_seats", "available_seats"],
            (
                (
                    FIRST_NETWORK_TRAIN_NUMBER + index,
                    seats_of[index],
                    seats_of[index] - journeys[index][0].busiest_leg_sold(),
                )
                for index in range(size.trains)
            ),
        )
        _reset_sequences(_seeded_models())
        hot_train_reset(seats=size.hot_seats[0], stops=size.hot_stops)
        naive_hot_train_reset(seats=size.hot_seats[0])
        step("naive and hot trains")
    if connection.vendor == "postgresql":
        # Leave the tables as autovacuum would on a live database (statistics, hint bits,
        # visibility map), so that the first scenario does not pay for it. Autovacuum never
        # analyses an empty table, and neither does this: statistics saying "empty" would make
        # a cached generic plan scan a table such as the idempotency records sequentially for
        # the life of a session, however much it grows meanwhile, where a table never analysed
        # is planned as a fresh production database plans it. VACUUM cannot run inside a
        # transaction (as in the tests): there, statistics only.
        filled = ", ".join(
            connection.ops.quote_name(model._meta.db_table)
            for model in _seeded_models()
            if model.objects.exists()
        )
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            cursor.execute(f"{command} {filled}")
        step("vacuum and analyze")
    report.seconds = round(time.monotonic() - started, 2)
    return report


BOOKING_COLUMNS = [
    "id",
    "user_id",
    "train_id",
    "from_position",
    "to_position",
    "seat_count",
    "seat_numbers",
    "status",
    "created_at",
    "cancelled_at",
    "journey_date",
    "pnr",
    "travel_class",
    "fare_total",
    "refund_total",
    "currency",
    "seats_cancelled",
    "cancel_reason",
    "hold_requested",
    "expires_at",
    "hold_limit_at",
    "payment_reference",
]
# One anonymous passenger per seat, confirmed, as a sale without names writes them.
PASSENGER_COLUMNS = [
    "booking_id",
    "passenger_id",
    "name",
    "age",
    "preference",
    "coach",
    "seat",
    "seat_number",
    "position",
    "preference_met",
    "fare",
    "status",
    "cancelled_at",
    "refund",
]
SEAT_HELD_COLUMNS = ["booking_id", "seat_number", "train_id", "journey_date", "from_position", "to_position"]
# Not `length`: the database computes it.
FREE_STRETCH_COLUMNS = ["train_id", "journey_date", "seat_number", "from_position", "to_position"]


def seed_pnr(booking_id: int) -> str:
    """Return the seeded booking's PNR: its id in Crockford's base 32, zero-padded.

    Unique as the ids are, and drawn from the alphabet the service's random codes use; a random
    code a sale draws later may meet one, which the unique index refuses as it refuses any.
    """
    from bookings.pnrs import ALPHABET, PNR_LENGTH

    digits = []
    while booking_id:
        booking_id, digit = divmod(booking_id, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits)).rjust(PNR_LENGTH, "0")


def _booking_sale_columns(
    *,
    booking_id: int,
    travel_class: str | None = None,
    hold_requested: bool = False,
    expires_at: datetime | None = None,
    hold_limit_at: datetime | None = None,
) -> tuple:
    """Return the sale's columns of a seeded booking (after BOOKING_COLUMNS' first eleven): the seeded
    trains have no fares, so every seat was sold for nothing. Every column is given, since COPY
    leaves out only those with a default in the database, and the model's defaults are Django's."""
    from django.conf import settings

    return (
        seed_pnr(booking_id),
        travel_class or DEFAULT_CLASS,
        "0.00",
        "0.00",
        settings.FARE_CURRENCY,
        0,
        "",
        hold_requested,
        expires_at,
        hold_limit_at,
        "",
    )


def seat_places(coaches: Sequence) -> list[tuple[str, str, int, str]]:
    """Return, for each train-wide seat number from 1 (index 0), its (class, coach, seat in coach, position).

    `coaches` are trains.coach_plans.CoachPlan or trains.models.Coach, in the train's order.
    """
    from trains.seat_positions import seat_position

    return [
        (coach.travel_class, coach.coach, seat, seat_position(layout=coach.layout, seat_in_coach=seat))
        for coach in coaches
        for seat in range(1, coach.seats + 1)
    ]


def _passenger_rows(
    *,
    booking_id: int,
    seat_numbers: Sequence[int],
    places: Sequence[tuple[str, str, int, str]],
    status: str = "confirmed",
) -> Iterator[tuple]:
    """Return the PASSENGER_COLUMNS rows of a seeded booking: one anonymous passenger per seat, in order,
    confirmed or held."""
    for passenger_id, seat_number in enumerate(sorted(seat_numbers), 1):
        _, coach, seat, position = places[seat_number - 1]
        yield (
            booking_id,
            passenger_id,
            None,
            None,
            "",
            coach,
            seat,
            seat_number,
            position,
            None,
            "0.00",
            status,
            None,
            None,
        )


def _waiting_passenger_rows(*, booking_id: int, party: int) -> Iterator[tuple]:
    """Return the PASSENGER_COLUMNS rows of a waiting booking: `party` anonymous passengers, no seat."""
    for passenger_id in range(1, party + 1):
        yield (
            booking_id,
            passenger_id,
            None,
            None,
            "",
            None,
            None,
            None,
            None,
            None,
            "0.00",
            "waitlisted",
            None,
            None,
        )


def _booking_rows(rows: Iterable[tuple]) -> Iterator[tuple]:
    """Return the rows in BOOKING_COLUMNS order with their seat numbers as COPY takes JSON."""
    import json

    for row in rows:
        yield (*row[:6], json.dumps(row[6]), *row[7:]) if connection.vendor == "postgresql" else row


# The classes of a hot train of two classes, the default coaches' class first.
HOT_TRAIN_CLASSES = (DEFAULT_CLASS, "AC")


def hot_coaches(*, seats: int, classes: int) -> list[CoachPlan] | None:
    """Return the hot train's coaches: None (the default coaches, all GEN) for one class; for two,
    half its seats in GEN coaches C1, C2... and the rest in AC coaches A1, A2..., so that each sale
    is restricted to the coaches of the class it names."""
    if classes == 1:
        return None
    if classes != len(HOT_TRAIN_CLASSES) or seats < classes:
        raise ValueError(f"A hot train has 1 or {len(HOT_TRAIN_CLASSES)} classes, each with a seat.")
    general = default_coaches(total_seats=seats // 2)
    upper = [
        CoachPlan(coach=f"A{plan.coach[1:]}", travel_class=HOT_TRAIN_CLASSES[1], seats=plan.seats)
        for plan in default_coaches(total_seats=seats - seats // 2)
    ]
    return general + upper


def hot_train_reset(
    *, seats: int | None = None, stops: int = 10, journey_dates: Sequence[date] = (), classes: int = 1
) -> int:
    """Re-create the hot train empty (same route, `seats` seats or as before); return its id.

    Its journeys on `journey_dates` are opened with all their seats free, so that the load
    measures sales, not the creation of journeys by their first sale. Its seats are in one class,
    or in `classes` (hot_coaches).
    """
    from bookings.inventory import journey_open
    from bookings.models import Booking, BookingSeat
    from trains.models import Station, Train
    from trains.services import train_create

    with transaction.atomic():
        existing = Train.objects.filter(train_number=HOT_TRAIN_NUMBER).first()
        if existing is not None:
            route = list(existing.stops.order_by("position").values_list("station__name", flat=True))
            seats = seats or existing.total_seats
            BookingSeat.objects.filter(train=existing).delete()
            Booking.objects.filter(train=existing).delete()
            existing.delete()
        else:
            route = list(Station.objects.order_by("id").values_list("name", flat=True)[:stops])
    seats = seats or 1_000
    train = train_create(
        train_number=HOT_TRAIN_NUMBER,
        source=route[0],
        destination=route[-1],
        total_seats=seats,
        name="Bench Hot Express",
        stops=route,
        coaches=hot_coaches(seats=seats, classes=classes),
    )
    with transaction.atomic():
        for journey_date in sorted(journey_dates):
            journey_open(train=train, journey_date=journey_date)
    return train.pk


@dataclass(frozen=True)
class SoldAhead:
    """What hot_journey_open_sold sold: bookings of one seat, and the share of seats sold on legs."""

    bookings: int
    busiest_leg_share: float
    seat_legs_share: float


def hot_journey_open_sold(
    *, journey_date: date, busiest_leg_share: float, whole_route: bool, seed: int = 1
) -> SoldAhead:
    """Open the hot train's journey with one-seat bookings sold until its busiest leg is that share sold.

    Whole-route bookings, or random segments drawn as the hot-segments load draws them; seats
    by bench.journey_seats, written with COPY (the journey, its bookings, the seats they hold
    and the free stretches they leave), so that a journey 70% sold is ready in a second or two,
    its tables and indexes holding no row that was written and deleted on the way (as after a
    vacuum). Users are the load users, at random.
    """
    from django.utils import timezone

    from bench.journey_seats import JourneySeats
    from bookings.models import Booking, BookingSeat, FreeStretch, Journey, Passenger
    from trains.models import Train
    from users.models import User

    rng = random.Random(seed)
    train = Train.objects.get(train_number=HOT_TRAIN_NUMBER)
    places = seat_places(
        list(train.coaches.order_by("position")) or default_coaches(total_seats=train.total_seats)
    )
    leg_count = train.stops.count() - 1
    users = list(User.objects.exclude(username=LISTER_USERNAME).order_by("id").values_list("id", flat=True))
    seats = JourneySeats(total_seats=train.total_seats, leg_count=leg_count)
    target = round(busiest_leg_share * train.total_seats)
    sales: list[tuple[int, int, int]] = []  # (seat, from_position, to_position)
    attempts = 0
    while seats.busiest_leg_sold() < target and attempts < 20 * train.total_seats:
        attempts += 1
        if whole_route:
            from_position, to_position = 0, leg_count
        else:
            from_position = rng.randrange(leg_count)
            to_position = rng.randint(from_position + 1, leg_count)
        chosen = seats.sell(from_position=from_position, to_position=to_position, count=1)
        if chosen is not None:
            sales.append((chosen[0], from_position, to_position))
    now = timezone.now()
    with transaction.atomic():
        Journey.objects.create(train=train, date=journey_date)
        ids = _booking_ids_reserve(len(sales))
        _insert(
            Booking,
            BOOKING_COLUMNS,
            _booking_rows(
                (
                    booking_id,
                    rng.choice(users),
                    train.pk,
                    from_position,
                    to_position,
                    1,
                    [seat],
                    Booking.Status.CONFIRMED.value,
                    now,
                    None,
                    journey_date,
                    *_booking_sale_columns(booking_id=booking_id, travel_class=places[seat - 1][0]),
                )
                for booking_id, (seat, from_position, to_position) in zip(ids, sales, strict=True)
            ),
        )
        _insert(
            Passenger,
            PASSENGER_COLUMNS,
            (
                passenger
                for booking_id, (seat, _, _) in zip(ids, sales, strict=True)
                for passenger in _passenger_rows(booking_id=booking_id, seat_numbers=[seat], places=places)
            ),
        )
        _insert(
            BookingSeat,
            SEAT_HELD_COLUMNS,
            (
                (booking_id, seat, train.pk, journey_date, from_position, to_position)
                for booking_id, (seat, from_position, to_position) in zip(ids, sales, strict=True)
            ),
        )
        _insert(
            FreeStretch,
            FREE_STRETCH_COLUMNS,
            ((train.pk, journey_date, seat, first, last) for seat, first, last in seats.free_stretches()),
        )
    return SoldAhead(
        bookings=len(sales),
        busiest_leg_share=round(seats.busiest_leg_sold() / train.total_seats, 3),
        seat_legs_share=round(sum(seats.sold_per_leg) / (train.total_seats * leg_count), 3),
    )


@dataclass(frozen=True)
class SeededBooking:
    """A booking journey_open_with writes: its segment, its party of anonymous passengers, and its status.

    Held, it keeps its seats until `expires_at` (its hold began HOLD_TTL_SECONDS before); waiting,
    it has none. `hold_requested` is implied by a hold; a waiting booking may have asked for one.
    """

    from_position: int
    to_position: int
    party: int
    status: str = "confirmed"
    expires_at: datetime | None = None
    hold_requested: bool = False


def journey_open_with(
    *,
    train_id: int,
    journey_date: date,
    bookings: Sequence[SeededBooking],
    seed: int = 1,
    user_ids: Sequence[int] | None = None,
) -> list[int]:
    """Open the train's journey with `bookings` written as a sale writes them, in order; return their ids.

    The ids rise in their order, which is the waitlist's. Seats are chosen by bench.journey_seats
    and everything is written with COPY, as hot_journey_open_sold writes. Users are `user_ids`
    (default: the load users), at random. Raise ValueError when a seated booking finds too few
    seats free, or a waiting one finds enough: no booking waits for seats that it fits in
    (bookings.waitlist), and the seed leaves none that would. For a train of one class: the
    seats are counted for all.
    """
    from django.conf import settings
    from django.utils import timezone

    from bench.journey_seats import JourneySeats
    from bookings.models import Booking, BookingSeat, FreeStretch, Journey, Passenger
    from trains.models import Train
    from users.models import User

    rng = random.Random(seed)
    train = Train.objects.get(pk=train_id)
    places = seat_places(
        list(train.coaches.order_by("position")) or default_coaches(total_seats=train.total_seats)
    )
    users = list(
        user_ids
        if user_ids is not None
        else User.objects.exclude(username=LISTER_USERNAME).order_by("id").values_list("id", flat=True)
    )
    seats = JourneySeats(total_seats=train.total_seats, leg_count=train.stops.count() - 1)
    chosen: list[list[int]] = []
    for booking in bookings:
        if booking.status == Booking.Status.WAITLISTED:
            chosen.append([])
            continue
        if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.HELD):
            raise ValueError(f"a seeded booking is confirmed, held or waitlisted, not {booking.status}")
        sold = seats.sell(
            from_position=booking.from_position, to_position=booking.to_position, count=booking.party
        )
        if sold is None:
            raise ValueError(f"too few seats free for {booking}")
        chosen.append(sold)
    for booking in bookings:
        free = seats.seats_free(from_position=booking.from_position, to_position=booking.to_position)
        if booking.status == Booking.Status.WAITLISTED and free >= booking.party:
            raise ValueError(f"{booking} would fit in the {free} seats free on its segment")
    now = timezone.now()
    hold_ttl = timedelta(seconds=settings.HOLD_TTL_SECONDS)
    extensions = timedelta(seconds=settings.HOLD_MAX_SECONDS - settings.HOLD_TTL_SECONDS)

    def booking_row(booking_id: int, booking: SeededBooking, seat_numbers: list[int]) -> tuple:
        held = booking.status == Booking.Status.HELD
        return (
            booking_id,
            rng.choice(users),
            train.pk,
            booking.from_position,
            booking.to_position,
            booking.party,
            seat_numbers,
            booking.status,
            booking.expires_at - hold_ttl if held else now,
            None,
            journey_date,
            *_booking_sale_columns(
                booking_id=booking_id,
                travel_class=places[seat_numbers[0] - 1][0] if seat_numbers else DEFAULT_CLASS,
                hold_requested=held or booking.hold_requested,
                expires_at=booking.expires_at if held else None,
                hold_limit_at=booking.expires_at + extensions if held else None,
            ),
        )

    def passenger_rows(booking_id: int, booking: SeededBooking, seat_numbers: list[int]) -> Iterator[tuple]:
        if booking.status == Booking.Status.WAITLISTED:
            return _waiting_passenger_rows(booking_id=booking_id, party=booking.party)
        return _passenger_rows(
            booking_id=booking_id, seat_numbers=seat_numbers, places=places, status=booking.status
        )

    with transaction.atomic():
        Journey.objects.create(train=train, date=journey_date)
        ids = _booking_ids_reserve(len(bookings))
        written = list(zip(ids, bookings, chosen, strict=True))
        _insert(Booking, BOOKING_COLUMNS, _booking_rows(booking_row(*row) for row in written))
        _insert(
            Passenger, PASSENGER_COLUMNS, (passenger for row in written for passenger in passenger_rows(*row))
        )
        _insert(
            BookingSeat,
            SEAT_HELD_COLUMNS,
            (
                (booking_id, seat, train.pk, journey_date, booking.from_position, booking.to_position)
                for booking_id, booking, seat_numbers in written
                for seat in seat_numbers
            ),
        )
        _insert(
            FreeStretch,
            FREE_STRETCH_COLUMNS,
            ((train.pk, journey_date, seat, first, last) for seat, first, last in seats.free_stretches()),
        )
    return ids


def busy_stretch_end(*, leg_count: int) -> int:
    """Return the stop where the busy stretch of hot_journey_open_waitlisted ends: the route's middle."""
    return leg_count // 2


@dataclass(frozen=True)
class WaitlistedAhead:
    """What hot_journey_open_waitlisted wrote: the busy stretch's end, its bookings by status, and the first
    and last ids of those waiting."""

    busy_to: int
    confirmed: int
    held: int
    waiting: int
    waiting_passengers: int
    waiting_ids: tuple[int, int] | None


def hot_journey_open_waitlisted(
    *,
    journey_date: date,
    waiting: int,
    holds: int,
    holds_end: tuple[datetime, datetime],
    seed: int = 1,
) -> WaitlistedAhead:
    """Open the hot train's journey sold out on its busy stretch, with `waiting` bookings waiting for it and
    `holds` of its seats held until ends spread evenly over `holds_end` (first, last).

    The busy stretch is the first half of the route, stops 0 to busy_to: every seat is sold on it,
    each to a confirmed party (PARTY_SIZES) or a one-seat hold, and the rest of the route is free.
    The waiting bookings, after them in order, are parties of PARTY_SIZES on random segments of
    the busy stretch, one in four having asked for a hold. As each hold lapses, its seat goes to
    the waiting bookings that fit in it, in their order, before any sale; a sale of the second
    half of the route finds its seats free all the while.
    """
    from bookings.models import Booking
    from trains.models import Train

    rng = random.Random(seed)
    train = Train.objects.get(train_number=HOT_TRAIN_NUMBER)
    leg_count = train.stops.count() - 1
    if leg_count < 2 or not 0 <= holds <= train.total_seats:
        raise ValueError("the hot train needs two legs or more, and as many seats as holds")
    busy_to = busy_stretch_end(leg_count=leg_count)
    first_end, last_end = holds_end
    bookings = [
        SeededBooking(
            0,
            busy_to,
            1,
            Booking.Status.HELD,
            expires_at=first_end + (last_end - first_end) * ((number + 0.5) / holds),
        )
        for number in range(holds)
    ]
    unsold = train.total_seats - holds
    confirmed = 0
    while unsold:
        party = min(rng.choice(PARTY_SIZES), unsold)
        bookings.append(SeededBooking(0, busy_to, party))
        unsold -= party
        confirmed += 1
    waiting_bookings = []
    for _ in range(waiting):
        from_position = rng.randrange(busy_to)
        waiting_bookings.append(
            SeededBooking(
                from_position,
                rng.randint(from_position + 1, busy_to),
                rng.choice(PARTY_SIZES),
                Booking.Status.WAITLISTED,
                hold_requested=rng.random() < 0.25,
            )
        )
    ids = journey_open_with(
        train_id=train.pk, journey_date=journey_date, bookings=[*bookings, *waiting_bookings], seed=seed
    )
    return WaitlistedAhead(
        busy_to=busy_to,
        confirmed=confirmed,
        held=holds,
        waiting=waiting,
        waiting_passengers=sum(booking.party for booking in waiting_bookings),
        waiting_ids=(ids[len(bookings)], ids[-1]) if waiting_bookings else None,
    )


def _booking_ids_reserve(count: int) -> list[int]:
    """Return `count` booking ids that no other booking takes, from the table's own sequence."""
    from bookings.models import Booking

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('bookings_booking', 'id')) "
                "FROM generate_series(1, %s)",
                [count],
            )
            return [booking_id for (booking_id,) in cursor.fetchall()]
    highest = Booking.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return list(range(highest + 1, highest + 1 + count))


def journey_dates_ahead(*, train_number: int, count: int) -> list[date]:
    """Return the first `count` start dates after today (TIME_ZONE) on which the train runs.

    Refused with ValueError when the booking horizon has fewer: a date past it is a 400.
    """
    from django.conf import settings
    from django.utils import timezone

    from trains.models import Train
    from trains.selectors import train_start_dates

    train = Train.objects.get(train_number=train_number)
    today = timezone.localdate()
    dates = train_start_dates(
        train=train,
        first=today + timedelta(days=1),
        last=today + timedelta(days=settings.BOOKING_HORIZON_DAYS),
    )[:count]
    if len(dates) < count:
        raise ValueError(
            f"train {train_number} starts on {len(dates)} dates within the booking horizon "
            f"({settings.BOOKING_HORIZON_DAYS} days), fewer than {count}"
        )
    return dates


def naive_hot_train_reset(*, seats: int | None = None) -> int:
    """Re-create the naive hot train empty, with `seats` seats (or as many as before); return its id."""
    from bench.naive.models import NaiveTrain

    existing = NaiveTrain.objects.filter(train_number=HOT_TRAIN_NUMBER).first()
    if existing is not None:
        seats = seats or existing.total_seats
        existing.delete()
    train = NaiveTrain.objects.create(
        train_number=HOT_TRAIN_NUMBER, total_seats=seats or 1_000, available_seats=seats or 1_000
    )
    return train.pk


# The service's abuse limits, raised out of the load's way: a few thousand users booking as fast
# as wrk sends would otherwise measure 429s. Seeded tokens outlive many runs with --no-seed.
BENCH_LIMITS = {
    "THROTTLE_LOGIN_PER_ADDRESS": "1000000/min",
    "THROTTLE_LOGIN_PER_USERNAME": "1000000/min",
    "THROTTLE_REGISTER_PER_ADDRESS": "1000000/min",
    "THROTTLE_REGISTER_PER_USERNAME": "1000000/min",
    "THROTTLE_BOOKING_PER_USER": "1000000/min",
    "TOKEN_TTL_HOURS": str(24 * 365),
    # The load users buy seats at random, not to hoard a train: the per-user cap is still counted
    # at every sale, but set high enough that it refuses none of them.
    "BOOKING_MAX_SEATS_PER_USER_PER_TRAIN": "1000000",
    "BOOKING_MAX_SEATS_PER_USER": "1000000",
}


def bench_environment_setdefault() -> None:
    """Point Django at the bench settings and database, limits raised, unless the environment says else."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    for name, value in BENCH_LIMITS.items():
        os.environ.setdefault(name, value)
    if not os.environ.get("SECRET_KEY"):
        import secrets

        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)


def database_create_if_missing(url: str) -> None:
    """Create the PostgreSQL database named in `url` when the server does not have it yet."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    admin = psycopg2.connect(**{key: value for key, value in params.items() if value})
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    finally:
        admin.close()


def size_from_args(args: argparse.Namespace) -> SeedSize:
    base = SMALL_SIZE if args.small else DEFAULT_SIZE
    overrides = {
        name: getattr(args, name)
        for name in ("trains", "stations", "bookings", "users", "hot_seats", "journey_dates")
        if getattr(args, name, None) is not None
    }
    if isinstance(overrides.get("hot_seats"), str):
        try:
            overrides["hot_seats"] = tuple(int(seats) for seats in overrides["hot_seats"].split(",") if seats)
        except ValueError:
            raise SystemExit(
                "--hot-seats takes seat counts separated by commas, such as 2000,10000"
            ) from None
    size = SeedSize(**{**base.__dict__, **overrides})
    if size.journey_dates < 1:
        raise SystemExit("--journey-dates must be at least 1")
    if not size.hot_seats or not all(1 <= seats <= 10_000 for seats in size.hot_seats):
        raise SystemExit("--hot-seats must give one or more seat counts from 1 to 10000")
    return size


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--small", action="store_true", help="500 trains, 200 stations, 5,000 bookings")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--trains", type=int, help=f"network trains (default {DEFAULT_SIZE.trains})")
    parser.add_argument("--stations", type=int, help=f"stations (default {DEFAULT_SIZE.stations})")
    parser.add_argument("--bookings", type=int, help=f"existing bookings (default {DEFAULT_SIZE.bookings})")
    parser.add_argument("--users", type=int, help=f"load users with tokens (default {DEFAULT_SIZE.users})")
    parser.add_argument(
        "--hot-seats",
        help="seats of the hot train, comma-separated: each hot scenario runs at each size "
        f"(default {','.join(map(str, DEFAULT_SIZE.hot_seats))})",
    )
    parser.add_argument(
        "--journey-dates",
        type=int,
        help="start dates from today that existing bookings are spread over, each a journey of every "
        f"network train (default {DEFAULT_SIZE.journey_dates}: today)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__.split("\n\n")[0])
    add_size_arguments(parser)
    args = parser.parse_args(argv)
    bench_environment_setdefault()
    database_create_if_missing(os.environ["DATABASE_URL"])
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    report = seed(size=size_from_args(args), seed=args.seed)
    print(
        f"seeded {report.trains} trains, {report.stations} stations, {report.bookings} bookings "
        f"({report.seats_held} seats held), {report.journeys} journeys, "
        f"{report.free_stretches} free stretches, {report.users} users in {report.seconds}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
