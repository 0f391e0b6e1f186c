"""A sale writes only rows of its own journey, so that sharding by journey keeps it on one shard."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.services import booking_cancel, booking_create

WRITE = re.compile(r"^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)\"?", re.IGNORECASE)


def writes_of(queries: list[dict]) -> list[tuple[str, str]]:
    """Return (table, SQL) of each write statement among `queries`, one round trip's several apart."""
    found = []
    for query in queries:
        for statement in query["sql"].split(";\n"):
            match = WRITE.match(statement)
            if match:
                found.append((match.group(2), statement))
    return found


@pytest.mark.parametrize("seat_count", [1, 3])
def test_every_write_of_a_sale_and_a_cancellation_carries_the_journeys_train(make_train, owner, seat_count):
    make_train(7, 10, "A", "B", "C", "D")
    other = make_train(8, 10, "A", "D")
    booking_create(user=owner, train_number=7, seat_count=1)  # the journey exists: steady-state sales
    booking_create(user=owner, train_number=8, seat_count=1)

    with CaptureQueriesContext(connection) as sale:
        booking = booking_create(
            user=owner, train_number=7, seat_count=seat_count, source="B", destination="C"
        )
    with CaptureQueriesContext(connection) as cancellation:
        booking_cancel(booking_id=booking.pk, actor=owner)

    for captured in (sale, cancellation):
        writes = writes_of(captured.captured_queries)
        assert writes
        for table, sql in writes:
            assert table in {
                "bookings_booking",
                "bookings_bookingseat",
                "bookings_freestretch",
                "bookings_passenger",
            }, sql
            if table == "bookings_passenger":
                # A booking's passengers go with their booking, by its id.
                assert re.search(rf"\b(VALUES \(|booking_id\"? = ){booking.pk}\b", sql), sql
                continue
            # The journey's key is in every statement: as a column written, or as a condition.
            if sql.lstrip().upper().startswith("INSERT"):
                columns = re.match(r'\s*INSERT INTO "?\w+"? \(([^)]*)\)', sql)
                assert columns and "train_id" in columns.group(1), sql
            else:
                assert re.search(rf'\btrain_id"? = {booking.train_id}\b', sql), sql
    assert other.pk != booking.train_id


def test_a_route_of_250_stops_sells_its_last_legs(make_train, owner):
    stops = [f"Halt {number:03}" for number in range(250)]
    make_train(9, 2, *stops)
    late = datetime.date.today()

    booking = booking_create(
        user=owner, train_number=9, seat_count=2, source="Halt 200", destination="Halt 249"
    )

    assert booking.journey_date == late or booking.journey_date
    assert (booking.from_position, booking.to_position) == (200, 249)
    assert booking.seat_numbers == [1, 2]
