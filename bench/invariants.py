"""The inventory's invariants, checked in SQL over the whole database (or one train).

Each check counts the rows that break it; a sound inventory gives zero everywhere.
"""

from django.db import connection

# The legs each held seat is sold on: one row per (train, leg, seat, booking), from the stops
# of the route (portable SQL: SQLite has no generate_series).
_HELD_LEGS = """
    SELECT h.train_id, s.position AS leg, h.seat_number, h.booking_id FROM bookings_bookingseat h
    JOIN trains_stop s ON s.train_id = h.train_id
        AND s.position >= h.from_position AND s.position < h.to_position
    WHERE {held_train}
"""

# (name, SQL counting violations). `{held_train}` and the like filter on one train, or on nothing.
_CHECKS = {
    "seat sold twice on a leg": """
        SELECT COUNT(*) FROM (
            SELECT train_id, leg, seat_number FROM ({held_legs}) held_legs
            GROUP BY train_id, leg, seat_number HAVING COUNT(*) > 1
        ) sold_twice
    """,
    "legs with more seats sold than the train has": """
        SELECT COUNT(*) FROM (
            SELECT train_id, leg, COUNT(*) AS sold FROM ({held_legs}) held_legs GROUP BY train_id, leg
        ) per_leg JOIN trains_train ON trains_train.id = per_leg.train_id
        WHERE per_leg.sold > trains_train.total_seats
    """,
    "seats held past the end of the route": """
        SELECT COUNT(*) FROM bookings_bookingseat h
        WHERE {held_train} AND h.to_position > (
            SELECT MAX(position) FROM trains_stop WHERE trains_stop.train_id = h.train_id
        )
    """,
    "seat masks that differ from the seats held": """
        SELECT COUNT(*) FROM trains_seat LEFT JOIN (
            SELECT train_id, seat_number, SUM(CAST(1 AS BIGINT) << leg) AS legs FROM ({held_legs}) held_legs
            GROUP BY train_id, seat_number
        ) held ON held.train_id = trains_seat.train_id AND held.seat_number = trains_seat.number
        WHERE {seat_train} AND trains_seat.sold_legs <> COALESCE(held.legs, 0)
    """,
    "seats held that the train does not have": """
        SELECT COUNT(*) FROM bookings_bookingseat h LEFT JOIN trains_seat
            ON trains_seat.train_id = h.train_id AND trains_seat.number = h.seat_number
        WHERE {held_train} AND trains_seat.train_id IS NULL
    """,
    "bookings not holding exactly seat_count seats on their train and segment": """
        SELECT COUNT(*) FROM bookings_booking LEFT JOIN (
            SELECT h.booking_id, COUNT(*) AS held, SUM(CASE
                WHEN h.train_id = b.train_id AND h.from_position = b.from_position
                    AND h.to_position = b.to_position THEN 0 ELSE 1 END) AS astray
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
    if train_id is None:
        filters = dict.fromkeys(("held_train", "seat_train", "booking_train"), "TRUE")
    else:
        number = int(train_id)
        filters = {
            "held_train": f"h.train_id = {number}",
            "seat_train": f"trains_seat.train_id = {number}",
            "booking_train": f"bookings_booking.train_id = {number}",
        }
    violations = {}
    with connection.cursor() as cursor:
        for name, sql in _CHECKS.items():
            if name.startswith("naive") and not naive:
                continue
            cursor.execute(sql.format(held_legs=_HELD_LEGS.format(**filters), **filters))
            violations[name] = cursor.fetchone()[0]
    return violations


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


def highest_id(*, table: str) -> int:
    """Return the highest id in `table` (0 when empty)."""
    if table not in {"bookings_booking", "naive_naivebooking"}:
        raise ValueError(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]
