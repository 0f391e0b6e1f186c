"""Migration 0004 carries every sold seat from per-leg rows to one row per seat, and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("bookings", "0003_sell_seats_function")]
AFTER = [("bookings", "0004_booking_seats")]


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
