"""Bookings made before passengers existed get a PNR, their class and one anonymous passenger per seat."""

import datetime
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bookings.models import Booking, Passenger
from users.models import User

BEFORE = [("bookings", "0005_import_lease"), ("trains", "0006_default_coaches")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_booking_a_pnr_its_class_and_its_passengers():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    # The users app stays migrated: its current model writes the row.
    user_id = User.objects.create_user(username="old", email="old@example.com", password="x-long-pass").pk
    train = apps.get_model("trains", "Train").objects.create(train_number=7, total_seats=12)
    coaches = apps.get_model("trains", "Coach").objects
    coaches.create(train=train, position=0, coach="A1", travel_class="2A", seats=6, layout="berths-6")
    coaches.create(train=train, position=1, coach="S1", travel_class="SL", seats=6, layout="berths-6")
    old_booking = apps.get_model("bookings", "Booking").objects
    day = datetime.date(2026, 12, 1)
    common = {"user_id": user_id, "train": train, "journey_date": day, "from_position": 0, "to_position": 1}
    riding = old_booking.create(**common, seat_count=2, seat_numbers=[8, 7], status="confirmed").pk
    cancelled = old_booking.create(
        **common, seat_count=1, seat_numbers=[1], status="cancelled", cancelled_at=timezone.now()
    ).pk

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    first, second = Booking.objects.get(pk=riding), Booking.objects.get(pk=cancelled)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", first.pnr)
    assert first.pnr != second.pnr
    assert (first.travel_class, first.fare_total, first.seats_cancelled) == ("SL", 0, 0)
    assert (second.travel_class, second.seats_cancelled, second.refund_total) == ("2A", 1, 0)
    assert list(
        Passenger.objects.filter(booking=first).values_list(
            "passenger_id", "name", "coach", "seat", "seat_number", "position", "status", "refund"
        )
    ) == [
        (1, None, "S1", 1, 7, "lower", "confirmed", None),
        (2, None, "S1", 2, 8, "upper", "confirmed", None),
    ]
    assert list(Passenger.objects.filter(booking=second).values_list("status", "refund")) == [
        ("cancelled", 0)
    ]
