"""The inventory's invariants, checked per journey over the whole database (or one train).

Seats are sold per journey (a train on a start date), so every check of seats sold is made
per journey: in SQL over the seats held, and in Python for the free stretches, which must be
exactly those the seats held leave by the engine's own rule. Each check counts what breaks it;
a sound inventory gives zero everywhere.
"""

import datetime
import itertools
from collections import defaultdict

from django.db import connection
from django.db.models import Max

from bookings.allocation import free_stretches
from bookings.inventory import InventoryDifference, seats_free_count
from bookings.models import Booking, BookingSeat, FreeStretch, Journey
from trains.models import Stop, Train
from trains.seat_numbers import class_seat_ranges
from trains.selectors import train_coaches_by_id

# The legs each held seat is sold on: one row per (train, journey date, leg, seat, booking), from
# the stops of the route (portable SQL: SQLite has no generate_series).
_HELD_LEGS = """
    SELECT h.train_id, h.journey_date, s.position AS leg, h.seat_number, h.booking_id
    FROM bookings_bookingseat h
    JOIN trains_stop s ON s.train_id = h.train_id
        AND s.position >= h.from_position AND s.position < h.to_position
    WHERE {held_train}
"""

# (name, SQL counting violations). `{held_train}` and the like filter on one train, or on nothing.
_CHECKS = {
    "seat sold twice on a leg of a journey": """
        SELECT COUNT(*) FROM (
            SELECT train_id, journey_date, leg, seat_number FROM ({held_legs}) held_legs
            GROUP BY train_id, journey_date, leg, seat_number HAVING COUNT(*) > 1
        ) sold_twice
    """,
    "legs of a journey with more seats sold than the train has": """
        SELECT COUNT(*) FROM (
            SELECT train_id, journey_date, leg, COUNT(*) AS sold FROM ({held_legs}) held_legs
            GROUP BY train_id, journey_date, leg
        ) per_leg JOIN trains_train ON trains_train.id = per_leg.train_id
        WHERE per_leg.sold > trains_train.total_seats
    """,
    "seats held that the train does not have": """
        SELECT COUNT(*) FROM bookings_bookingseat h JOIN trains_train ON trains_train.id = h.train_id
        WHERE {held_train} AND h.seat_number > trains_train.total_seats
    """,
    "seats held past the end of the route": """
        SELECT COUNT(*) FROM bookings_bookingseat h
        WHERE {held_train} AND h.to_position > (
            SELECT MAX(position) FROM trains_stop WHERE trains_stop.train_id = h.train_id
        )
    """,
    "seats held on journeys that do not exist": """
        SELECT COUNT(*) FROM bookings_bookingseat h LEFT JOIN bookings_journey journey
            ON journey.train_id = h.train_id AND journey.date = h.journey_date
        WHERE {held_train} AND journey.train_id IS NULL
    """,
    "free stretches of journeys that do not exist": """
        SELECT COUNT(*) FROM bookings_freestretch stretch LEFT JOIN bookings_journey journey
            ON journey.train_id = stretch.train_id AND journey.date = stretch.journey_date
        WHERE {stretch_train} AND journey.train_id IS NULL
    """,
    "bookings on journeys that do not exist": """
        SELECT COUNT(*) FROM bookings_booking LEFT JOIN bookings_journey journey
            ON journey.train_id = bookings_booking.train_id AND journey.date = bookings_booking.journey_date
        WHERE {booking_train} AND journey.train_id IS NULL
    """,
    "bookings not holding exactly their seated passengers' seats on their journey and segment": """
        SELECT COUNT(*) FROM bookings_booking LEFT JOIN (
            SELECT h.booking_id, COUNT(*) AS held, SUM(CASE
                WHEN h.train_id = b.train_id AND h.journey_date = b.journey_date
                    AND h.from_position = b.from_position AND h.to_position = b.to_position
                THEN 0 ELSE 1 END) AS astray
            FROM bookings_bookingseat h JOIN bookings_booking b ON b.id = h.booking_id
            WHERE {held_train} GROUP BY h.booking_id
        ) rows_held ON rows_held.booking_id = bookings_booking.id
        WHERE {booking_train} AND (COALESCE(rows_held.astray, 0) > 0 OR COALESCE(rows_held.held, 0) <> CASE
            WHEN bookings_booking.status IN ('confirmed', 'held')
            THEN bookings_booking.seat_count - bookings_booking.seats_cancelled ELSE 0 END)
    """,
    "seated passengers without their seat held": """
        SELECT COUNT(*) FROM bookings_passenger p JOIN bookings_booking
            ON bookings_booking.id = p.booking_id
        WHERE {booking_train} AND p.status IN ('held', 'confirmed') AND NOT EXISTS (
            SELECT 1 FROM bookings_bookingseat h
            WHERE h.booking_id = p.booking_id AND h.seat_number = p.seat_number
        )
    """,
    "seats held for no seated passenger": """
        SELECT COUNT(*) FROM bookings_bookingseat h
        WHERE {held_train} AND NOT EXISTS (
            SELECT 1 FROM bookings_passenger p
            WHERE p.booking_id = h.booking_id AND p.seat_number = h.seat_number
                AND p.status IN ('held', 'confirmed')
        )
    """,
    "passengers not cancelled whose status is not their booking's": """
        SELECT COUNT(*) FROM bookings_passenger p JOIN bookings_booking
            ON bookings_booking.id = p.booking_id
        WHERE {booking_train} AND p.status <> 'cancelled' AND p.status <> bookings_booking.status
    """,
    "waiting passengers with a seat": """
        SELECT COUNT(*) FROM bookings_passenger p JOIN bookings_booking
            ON bookings_booking.id = p.booking_id
        WHERE {booking_train} AND p.status = 'waitlisted' AND (p.seat_number IS NOT NULL OR EXISTS (
            SELECT 1 FROM bookings_bookingseat h WHERE h.booking_id = p.booking_id
        ))
    """,
    "bookings without one passenger for each seat sold": """
        SELECT COUNT(*) FROM bookings_booking LEFT JOIN (
            SELECT booking_id, COUNT(*) AS passengers FROM bookings_passenger GROUP BY booking_id
        ) travelling ON travelling.booking_id = bookings_booking.id
        WHERE {booking_train} AND COALESCE(travelling.passengers, 0) <> bookings_booking.seat_count
    """,
    "naive trains whose counter disagrees with their bookings": """
        SELECT COUNT(*) FROM naive_naivetrain LEFT JOIN (
            SELECT train_id, SUM(seat_count) AS sold FROM naive_naivebooking GROUP BY train_id
        ) booked ON booked.train_id = naive_naivetrain.id
        WHERE naive_naivetrain.available_seats < 0
            OR naive_naivetrain.available_seats + COALESCE(booked.sold, 0) > naive_naivetrain.total_seats
    """,
}
STRETCHES_CHECK = "journeys whose free stretches differ from what their bookings leave"
WAITING_CHECK = "waiting bookings whose party fits in the seats free on their segment"


def inventory_violations(*, train_id: int | None = None, naive: bool = True) -> dict[str, int]:
    """Return {check: rows breaking it} for the whole inventory, or only for train `train_id`.

    The free stretches are checked against the seats held with the engine's own rule (its
    count is of journeys, not rows).
    """
    filters = ("held_train", "stretch_train", "booking_train")
    if train_id is None:
        where = dict.fromkeys(filters, "TRUE")
    else:
        number = int(train_id)
        where = {
            "held_train": f"h.train_id = {number}",
            "stretch_train": f"stretch.train_id = {number}",
            "booking_train": f"bookings_booking.train_id = {number}",
        }
    violations = {}
    with connection.cursor() as cursor:
        for name, sql in _CHECKS.items():
            if name.startswith("naive") and not naive:
                continue
            cursor.execute(sql.format(held_legs=_HELD_LEGS.format(**where), **where))
            violations[name] = cursor.fetchone()[0]
    violations[STRETCHES_CHECK] = len(free_stretch_differences(train_id=train_id))
    violations[WAITING_CHECK] = len(waiting_that_fit(train_id=train_id))
    return violations


def waiting_that_fit(*, train_id: int | None = None) -> list[int]:
    """Return the ids of the waiting bookings (of train `train_id`'s journeys) that enough seats free on
    their segment in their class would seat, counted by the engine's own count.

    Whenever seats are freed the waitlist is served in the same transaction, so that between
    transactions none fits (bookings.waitlist). A hold that has ended but is not yet written
    lapsed still holds its seats here, as it does in the free stretches stored.
    """
    waiting = Booking.objects.filter(status=Booking.Status.WAITLISTED)
    if train_id is not None:
        waiting = waiting.filter(train_id=train_id)
    ranges_of: dict[int, dict[str, tuple]] = {}
    fit = []
    for booking in waiting.order_by("id").iterator(chunk_size=2_000):
        if booking.train_id not in ranges_of:
            coaches = train_coaches_by_id(train_id=booking.train_id)
            spans = [(coach.travel_class, coach.first_seat, coach.last_seat) for coach in coaches]
            classes = set(coach.travel_class for coach in coaches)
            ranges_of[booking.train_id] = {
                travel_class: ()
                if len(classes) == 1
                else class_seat_ranges(coaches=spans, travel_class=travel_class)
                for travel_class in classes
            }
        seat_ranges = ranges_of[booking.train_id].get(booking.travel_class)
        if seat_ranges is None:
            # Its class is no longer on the train: it waits for the chart.
            continue
        free = seats_free_count(
            journey=Journey(train_id=booking.train_id, date=booking.journey_date),
            from_position=booking.from_position,
            to_position=booking.to_position,
            seat_ranges=seat_ranges,
        )
        if free >= booking.seat_count - booking.seats_cancelled:
            fit.append(booking.pk)
    return fit


def free_stretch_differences(*, train_id: int | None = None) -> list[InventoryDifference]:
    """Return how each journey (or train `train_id`'s) whose free stretches are wrong differs.

    What journey_inventory_check does journey by journey, in one pass over the database: the
    stretches each seat's held segments leave (bookings.allocation.free_stretches, the
    engine's own rule) against those stored, read in key order a journey at a time.
    """
    journeys = Journey.objects.all()
    trains = Train.objects.all()
    stops = Stop.objects.all()
    held = BookingSeat.objects.all()
    stored = FreeStretch.objects.all()
    if train_id is not None:
        journeys, trains, stops = (
            journeys.filter(train_id=train_id),
            trains.filter(pk=train_id),
            stops.filter(train_id=train_id),
        )
        held, stored = held.filter(train_id=train_id), stored.filter(train_id=train_id)
    total_seats = dict(trains.values_list("id", "total_seats"))
    leg_count = dict(stops.values("train_id").annotate(last=Max("position")).values_list("train_id", "last"))
    sold: dict[tuple[int, datetime.date], dict[int, list[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for train, journey_date, seat, first, last in held.values_list(
        "train_id", "journey_date", "seat_number", "from_position", "to_position"
    ).iterator(chunk_size=20_000):
        sold[(train, journey_date)][seat].append((first, last))

    def difference(
        journey: tuple[int, datetime.date], found: set[tuple[int, int, int]]
    ) -> InventoryDifference:
        train, journey_date = journey
        seats_sold = sold.get(journey, {})
        expected = {
            (seat, first, last)
            for seat in range(1, total_seats[train] + 1)
            for first, last in free_stretches(sold=seats_sold.get(seat, ()), leg_count=leg_count[train])
        }
        return InventoryDifference(
            train_id=train,
            journey_date=journey_date,
            missing=frozenset(expected - found),
            unexpected=frozenset(found - expected),
        )

    differences = []
    unseen = set(journeys.values_list("train_id", "date"))
    rows = stored.order_by("train_id", "journey_date", "seat_number", "from_position").values_list(
        "train_id", "journey_date", "seat_number", "from_position", "to_position"
    )
    for journey, group in itertools.groupby(rows.iterator(chunk_size=20_000), key=lambda row: row[:2]):
        found = {row[2:] for row in group}
        if journey not in unseen:
            # Stretches of a journey that does not exist: a check of its own counts them.
            continue
        unseen.discard(journey)
        differences.append(difference(journey, found))
    # Journeys with no free stretch at all: sold out on every leg of every seat, or broken.
    differences += [difference(journey, set()) for journey in unseen]
    return [found for found in differences if found.missing or found.unexpected]


def busiest_leg_sold_share(*, train_id: int, journey_date: datetime.date) -> float:
    """Return the share of the train's seats sold on the busiest leg of its journey on `journey_date`."""
    held_legs = _HELD_LEGS.format(held_train="h.train_id = %s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(MAX(sold), 0), (SELECT total_seats FROM trains_train WHERE id = %s)
            FROM (
                SELECT leg, COUNT(*) AS sold FROM ({held_legs}) held_legs
                WHERE journey_date = %s GROUP BY leg
            ) per_leg
            """,  # noqa: S608
            [train_id, train_id, journey_date],
        )
        sold, total_seats = cursor.fetchone()
    return round(sold / total_seats, 3)


def bookings_per_journey(*, train_id: int, watermark: int) -> dict[str, int]:
    """Return {journey date (ISO): bookings} of the train's bookings with an id above `watermark`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT journey_date, COUNT(*) FROM bookings_booking WHERE train_id = %s AND id > %s "
            "GROUP BY journey_date ORDER BY journey_date",
            [train_id, watermark],
        )
        return {str(journey_date): count for journey_date, count in cursor.fetchall()}


def stored_booking_ids(*, table: str, ids: list[int]) -> int:
    """Return how many of `ids` are rows of `table` (bookings_booking or naive_naivebooking)."""
    if table not in {"bookings_booking", "naive_naivebooking"}:
        raise ValueError(table)
    found = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608
                chunk,
            )
            found += cursor.fetchone()[0]
    return found


def bookings_after(*, table: str, watermark: int) -> int:
    """Return how many rows of `table` have an id above `watermark`."""
    if table not in {"bookings_booking", "naive_naivebooking"}:
        raise ValueError(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE id > %s", [watermark])  # noqa: S608
        return cursor.fetchone()[0]


def refusals_for_want_of_seats_after(*, watermark: int) -> int:
    """Return how many requests the service has refused for want of seats since `watermark`.

    Every bench request carries an Idempotency-Key, so the service keeps each refusal's answer
    as an idempotency record; `watermark` is a highest id of that table.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM bookings_idempotencyrecord "
            "WHERE id > %s AND response_status = 409 AND response_body ->> 'code' = 'insufficient_seats'",
            [watermark],
        )
        return cursor.fetchone()[0]


def highest_id(*, table: str) -> int:
    """Return the highest id in `table` (0 when empty)."""
    if table not in {"bookings_booking", "naive_naivebooking", "bookings_idempotencyrecord"}:
        raise ValueError(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def waitlist_summary(*, train_id: int, waiting_ids: tuple[int, int]) -> dict[str, int]:
    """Return what became of the hot journey bench.seed.hot_journey_open_waitlisted seeded: of its waiting
    bookings (ids `waiting_ids`, first and last), those seated and those still waiting; its holds
    written lapsed, and those ended but not yet written so."""
    from django.db.models import Count, Q
    from django.utils import timezone

    first, last = waiting_ids
    figures = Booking.objects.filter(train_id=train_id).aggregate(
        waiting_served=Count(
            "id",
            filter=Q(id__gte=first, id__lte=last, status__in=[Booking.Status.HELD, Booking.Status.CONFIRMED]),
        ),
        still_waiting=Count("id", filter=Q(id__gte=first, id__lte=last, status=Booking.Status.WAITLISTED)),
        holds_lapsed=Count("id", filter=Q(cancel_reason=Booking.Reason.HOLD_EXPIRED)),
        holds_ended_unwritten=Count(
            "id", filter=Q(status=Booking.Status.HELD, expires_at__lte=timezone.now())
        ),
    )
    return {name: int(value) for name, value in figures.items()}
