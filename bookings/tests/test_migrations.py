"""Migrations that move data or replace the sale function do so both ways.

0004 carries every sold seat from per-leg rows to one row per seat, and back; 0005 gives
bookings_sell_seats() the per-user seat cap and the index it counts with, and takes both back.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("bookings", "0003_sell_seats_function")]
AFTER = [("bookings", "0004_booking_seats")]
SEAT_CAP = [("bookings", "0005_seat_cap_per_user")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0003(transactional_db):
    apps = migrate(BEFORE)
    yield apps
    migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_seat_legs_become_one_row_per_seat_and_back(at_0003):
    apps = at_0003
    User = apps.get_model("users", "User")
    Train = apps.get_model("trains", "Train")
    Booking = apps.get_model("bookings", "Booking")
    SeatLeg = apps.get_model("bookings", "SeatLeg")
    user = User.objects.create(username="alice", email="alice@example.com", password="-")
    train = Train.objects.create(train_number=7, total_seats=4)
    first = Booking.objects.create(
        user=user, train=train, from_position=1, to_position=4, seat_count=2, seat_numbers=[1, 2]
    )
    second = Booking.objects.create(
        user=user, train=train, from_position=0, to_position=1, seat_count=1, seat_numbers=[1]
    )
    legs = [(first, seat, leg) for seat in (1, 2) for leg in (1, 2, 3)] + [(second, 1, 0)]
    SeatLeg.objects.bulk_create(
        SeatLeg(train=train, booking=booking, seat_number=seat, leg=leg) for booking, seat, leg in legs
    )

    apps = migrate(AFTER)
    BookingSeat = apps.get_model("bookings", "BookingSeat")

    rows = BookingSeat.objects.values_list(
        "booking_id", "seat_number", "train_id", "from_position", "to_position"
    )
    assert sorted(rows) == [
        (first.pk, 1, train.pk, 1, 4),
        (first.pk, 2, train.pk, 1, 4),
        (second.pk, 1, train.pk, 0, 1),
    ]

    apps = migrate(BEFORE)
    SeatLeg = apps.get_model("bookings", "SeatLeg")

    assert sorted(SeatLeg.objects.values_list("booking_id", "seat_number", "leg")) == sorted(
        (booking.pk, seat, leg) for booking, seat, leg in legs
    )


@pytest.fixture
def at_0004(transactional_db):
    migrate(AFTER)
    yield
    migrate(executor_leaf_nodes())


def sell_seats_signatures() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_function_identity_arguments(oid) FROM pg_proc "
            "WHERE proname = 'bookings_sell_seats'"
        )
        return [row[0] for row in cursor.fetchall()]


def booking_indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "bookings_booking")
    return {name: found["columns"] for name, found in constraints.items() if found["index"]}


def test_the_seat_cap_index_replaces_the_train_index_and_back(at_0004):
    assert ["train_id"] in booking_indexes().values()
    assert "booking_train_user" not in booking_indexes()

    migrate(SEAT_CAP)

    assert booking_indexes()["booking_train_user"] == ["train_id", "user_id"]
    assert ["train_id"] not in booking_indexes().values()

    migrate(AFTER)

    assert ["train_id"] in booking_indexes().values()
    assert "booking_train_user" not in booking_indexes()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="bookings_sell_seats() is PostgreSQL's")
def test_the_sale_function_takes_the_seat_cap_and_reverting_restores_the_old_one(at_0004):
    old = "p_user_id bigint, p_train_number integer, p_source_key text, p_destination_key text, " + (
        "p_seat_count integer, p_idempotency_key text, p_fingerprint text, p_key_ttl_hours integer"
    )
    assert sell_seats_signatures() == [old]

    migrate(SEAT_CAP)

    assert sell_seats_signatures() == [old + ", p_seat_cap integer"]

    migrate(AFTER)

    assert sell_seats_signatures() == [old]
