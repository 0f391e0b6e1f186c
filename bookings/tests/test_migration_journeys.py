"""Migrations trains 0004 and bookings 0006 move the seats sold before journeys onto a journey, and back.

A train's one inventory becomes the journey of the day the migrations run; trains without
bookings keep no seat rows; bookings and the seats they hold ride that journey; the guarantee
against double sale becomes per journey. Migrating back rebuilds one inventory per train.
"""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from bookings.tests.test_migrations import executor_leaf_nodes, migrate

BEFORE = [("bookings", "0005_seat_cap_per_user"), ("trains", "0003_timetable")]
AFTER = [("bookings", "0006_journeys")]
TODAY = datetime.date(2026, 11, 26)


@pytest.fixture
def before_journeys(transactional_db):
    apps = migrate(BEFORE)
    yield apps
    migrate(executor_leaf_nodes())


def sold_train(apps):
    """A 3-seat train with two bookings (one cancelled), and a 2-seat train without any."""
    User = apps.get_model("users", "User")
    Train = apps.get_model("trains", "Train")
    Seat = apps.get_model("trains", "Seat")
    Booking = apps.get_model("bookings", "Booking")
    BookingSeat = apps.get_model("bookings", "BookingSeat")
    user = User.objects.create(username="alice", email="alice@example.com", password="-")
    sold, unsold = (
        Train.objects.create(train_number=7, total_seats=3),
        Train.objects.create(train_number=8, total_seats=2),
    )
    for train in (sold, unsold):
        Seat.objects.bulk_create(
            Seat(train=train, number=number) for number in range(1, train.total_seats + 1)
        )
    confirmed = Booking.objects.create(
        user=user, train=sold, from_position=1, to_position=3, seat_count=2, seat_numbers=[1, 2]
    )
    Booking.objects.create(
        user=user,
        train=sold,
        from_position=0,
        to_position=1,
        seat_count=1,
        seat_numbers=[3],
        status="cancelled",
        cancelled_at="2026-11-01T00:00:00Z",
    )
    BookingSeat.objects.bulk_create(
        BookingSeat(booking=confirmed, seat_number=seat, train=sold, from_position=1, to_position=3)
        for seat in (1, 2)
    )
    Seat.objects.filter(train=sold, number__in=[1, 2]).update(sold_legs=0b110)
    return sold, unsold


def test_sold_seats_move_to_the_journey_of_the_day_and_back(before_journeys):
    sold, unsold = sold_train(before_journeys)

    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC)):
        apps = migrate(AFTER)
    Journey = apps.get_model("trains", "Journey")
    Seat = apps.get_model("trains", "Seat")
    Booking = apps.get_model("bookings", "Booking")
    BookingSeat = apps.get_model("bookings", "BookingSeat")

    assert list(Journey.objects.values_list("train_id", "date")) == [(sold.pk, TODAY)]
    assert list(
        Seat.objects.order_by("number").values_list("train_id", "journey_date", "number", "sold_legs")
    ) == [
        (sold.pk, TODAY, 1, 0b110),
        (sold.pk, TODAY, 2, 0b110),
        (sold.pk, TODAY, 3, 0),
    ]
    assert set(Booking.objects.values_list("journey_date", flat=True)) == {TODAY}
    assert set(BookingSeat.objects.values_list("journey_date", flat=True)) == {TODAY}

    apps = migrate(BEFORE)
    Seat = apps.get_model("trains", "Seat")

    assert sorted(Seat.objects.values_list("train_id", "number", "sold_legs")) == [
        (sold.pk, 1, 0b110),
        (sold.pk, 2, 0b110),
        (sold.pk, 3, 0),
        (unsold.pk, 1, 0),
        (unsold.pk, 2, 0),
    ]


def test_the_guarantee_is_per_journey_after_and_per_train_again_before(before_journeys):
    sold, _ = sold_train(before_journeys)
    apps = migrate(AFTER)
    Booking = apps.get_model("bookings", "Booking")
    BookingSeat = apps.get_model("bookings", "BookingSeat")
    booking = Booking.objects.filter(status="confirmed").get()
    other_day = booking.journey_date + datetime.timedelta(days=1)

    # Seat 1 on legs 1..2 is held on the migrated journey: free on another date, not on the same.
    BookingSeat.objects.create(
        booking=Booking.objects.exclude(pk=booking.pk).get(),
        seat_number=1,
        train_id=sold.pk,
        journey_date=other_day,
        from_position=1,
        to_position=2,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSeat.objects.filter(journey_date=other_day).update(journey_date=booking.journey_date)
    BookingSeat.objects.filter(journey_date=other_day).delete()

    apps = migrate(BEFORE)
    Booking = apps.get_model("bookings", "Booking")
    BookingSeat = apps.get_model("bookings", "BookingSeat")
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSeat.objects.create(
            booking=Booking.objects.filter(status="cancelled").get(),
            seat_number=1,
            train_id=sold.pk,
            from_position=2,
            to_position=3,
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="bookings_sell_seats() is PostgreSQL's")
def test_the_sale_function_takes_the_journey_and_reverting_restores_the_old_one(before_journeys):
    from bookings.tests.test_migrations import sell_seats_signatures

    (old,) = sell_seats_signatures()

    migrate(AFTER)

    assert sell_seats_signatures() == [
        "p_user_id bigint, p_train_number integer, p_journey_date date, p_source_key text, "
        "p_destination_key text, p_seat_count integer, p_idempotency_key text, p_fingerprint text, "
        "p_key_ttl_hours integer, p_seat_cap integer, p_today date, p_horizon_days integer"
    ]

    migrate(BEFORE)

    assert sell_seats_signatures() == [old]
