"""The inventory's invariants, checked in SQL per journey over the whole database (or one train).

Seats are sold per journey (a train on a start date), so every check of seats sold is made
per journey. Each check counts the rows that break it; a sound inventory gives zero everywhere.
"""

from django.db import connection

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
    "seats held past the end of the route": """
        SELECT COUNT(*) FROM bookings_bookingseat h
        WHERE {held_train} AND h.to_position > (
            SELECT MAX(position) FROM trains_stop WHERE trains_stop.train_id = h.train_id
        )
    """,
    "seat masks that differ from the seats held on their journey": """
        SELECT COUNT(*) FROM trains_seat LEFT JOIN (
            SELECT train_id, journey_date, seat_number, SUM(CAST(1 AS BIGINT) << leg) AS legs
            FROM ({held_legs}) held_legs GROUP BY train_id, journey_date, seat_number
        ) held ON held.train_id = trains_seat.train_id AND held.journey_date = trains_seat.journey_date
            AND held.seat_number = trains_seat.number
        WHERE {seat_train} AND trains_seat.sold_legs <> COALESCE(held.legs, 0)
    """,
    "seats held that their journey does not have": """
        SELECT COUNT(*) FROM bookings_bookingseat h LEFT JOIN trains_seat
            ON trains_seat.train_id = h.train_id AND trains_seat.journey_date = h.journey_date
            AND trains_seat.number = h.seat_number
        WHERE {held_train} AND trains_seat.train_id IS NULL
    """,
    "seat rows of journeys that do not exist": """
        SELECT COUNT(*) FROM trains_seat LEFT JOIN trains_journey journey
            ON journey.train_id = trains_seat.train_id AND journey.date = trains_seat.journey_date
        WHERE {seat_train} AND journey.train_id IS NULL
    """,
    "journeys without one seat row for each seat of the train": """
        SELECT COUNT(*) FROM trains_journey journey
        JOIN trains_train ON trains_train.id = journey.train_id
        LEFT JOIN (
            SELECT train_id, journey_date, COUNT(*) AS seats, MIN(number) AS lowest, MAX(number) AS highest
            FROM trains_seat WHERE {seat_train} GROUP BY train_id, journey_date
        ) seats ON seats.train_id = journey.train_id AND seats.journey_date = journey.date
        WHERE {journey_train} AND (COALESCE(seats.seats, 0) <> trains_train.total_seats
            OR seats.lowest <> 1 OR seats.highest <> trains_train.total_seats)
    """,
    "bookings on journeys that do not exist": """
        SELECT COUNT(*) FROM bookings_booking LEFT JOIN trains_journey journey
            ON journey.train_id = bookings_booking.train_id AND journey.date = bookings_booking.journey_date
        WHERE {booking_train} AND journey.train_id IS NULL
    """,
    "bookings not holding exactly seat_count seats on their journey and segment": """
        SELECT COUNT(*) FROM bookings_booking LEFT JOIN (
            SELECT h.booking_id, COUNT(*) AS held, SUM(CASE
                WHEN h.train_id = b.train_id AND h.journey_date = b.journey_date
                    AND h.from_position = b.from_position AND h.to_position = b.to_position
                THEN 0 ELSE 1 END) AS astray
            FROM bookings_bookingseat h JOIN bookings_booking b ON b.id = h.booking_id
            WHERE {held_train} GROUP BY h.booking_id
        ) rows_held ON rows_held.booking_id = bookings_booking.id
        WHERE {booking_train} AND (COALESCE(rows_held.astray, 0) > 0 OR COALESCE(rows_held.held, 0) <> CASE
            WHEN bookings_booking.status = 'confirmed' THEN bookings_booking.seat_count ELSE 0 END)
    """,
    "naive trains whose counter disagrees with their bookings": """
        SELECT COUNT(*) FROM naive_naivetrain LEFT JOIN (
            SELECT train_id, SUM(seat_count) AS sold FROM naive_naivebooking GROUP BY train_id
        ) booked ON booked.train_id = naive_naivetrain.id
        WHERE naive_naivetrain.available_seats < 0
            OR naive_naivetrain.available_seats + COALESCE(booked.sold, 0) > naive_naivetrain.total_seats
    """,
}


def inventory_violations(*, train_id: int | None = None, naive: bool = True) -> dict[str, int]:
    """Return {check: rows breaking it} for the whole inventory, or only for train `train_id`."""
    filters = ("held_train", "seat_train", "journey_train", "booking_train")
    if train_id is None:
        where = dict.fromkeys(filters, "TRUE")
    else:
        number = int(train_id)
        where = {
            "held_train": f"h.train_id = {number}",
            "seat_train": f"trains_seat.train_id = {number}",
            "journey_train": f"journey.train_id = {number}",
            "booking_train": f"bookings_booking.train_id = {number}",
        }
    violations = {}
    with connection.cursor() as cursor:
        for name, sql in _CHECKS.items():
            if name.startswith("naive") and not naive:
                continue
            cursor.execute(sql.format(held_legs=_HELD_LEGS.format(**where), **where))
            violations[name] = cursor.fetchone()[0]
    return violations


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
