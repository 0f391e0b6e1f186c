"""A sale's reads of free stretches take the index meant for them, on either database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.services import booking_create


def plan_of(sql: str) -> str:
    """Return the database's plan for a statement captured as run, as one text."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test table is small enough for a scan of the whole; the choice between indexes
            # is what is asked here.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.fixture
def group_sale_reads(make_train, owner) -> list[str]:
    """The reads of free stretches that a group sale runs on a journey with some segments sold."""
    make_train(51, 60, "A", "B", "C", "D", "E")
    for source, destination in [("A", "B"), ("C", "E"), ("B", "D"), ("A", "C")]:
        booking_create(user=owner, train_number=51, seat_count=2, source=source, destination=destination)
    with CaptureQueriesContext(connection) as sale:
        booking_create(user=owner, train_number=51, seat_count=3, source="B", destination="C")
    return [
        statement
        for query in sale.captured_queries
        for statement in query["sql"].split(";\n")
        if statement.lstrip().startswith("SELECT") and "bookings_freestretch" in statement
    ]


def test_the_tightest_candidates_are_read_from_the_tightest_stretch_index(group_sale_reads):
    tightest = [sql for sql in group_sale_reads if "ORDER BY length, seat_number" in sql]

    assert tightest
    for sql in tightest:
        assert "freestretch_tightest" in plan_of(sql)


def test_a_groups_neighbours_are_read_by_seat_through_the_primary_key(group_sale_reads):
    # Were the tightest-stretch index usable here, a planner that misjudges a new journey's size
    # takes it and reads every stretch of the journey to find a handful of seats.
    neighbours = [sql for sql in group_sale_reads if "seat_number IN" in sql]

    assert neighbours
    for sql in neighbours:
        plan = plan_of(sql)
        assert "freestretch_tightest" not in plan
        assert "pkey" in plan or "autoindex" in plan, plan
