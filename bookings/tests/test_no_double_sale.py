"""The database itself refuses a seat sold twice on a leg, whatever the application does.

These tests write BookingSeat rows directly, past the seat engine and its lock, as a bug or a
rogue script would: bookingseat_no_double_sale (an exclusion constraint on PostgreSQL,
triggers on SQLite) must refuse every overlap and allow everything else.
"""

import datetime

import pytest
from django.db import IntegrityError, transaction

from bookings.models import Booking, BookingSeat


@pytest.fixture
def train(make_train):
    return make_train(900, 4, "A", "B", "C", "D", "E")


JOURNEY = datetime.date(2026, 12, 1)


def hold(train, user, seat, from_position, to_position, journey_date=JOURNEY):
    booking = Booking.objects.create(
        user=user,
        train=train,
        journey_date=journey_date,
        from_position=from_position,
        to_position=to_position,
        seat_count=1,
        seat_numbers=[seat],
    )
    return BookingSeat.objects.create(
        booking=booking,
        seat_number=seat,
        train=train,
        journey_date=journey_date,
        from_position=from_position,
        to_position=to_position,
    )


@pytest.mark.parametrize(
    ("held", "wanted"),
    [
        ((0, 4), (1, 2)),  # inside
        ((1, 2), (0, 4)),  # around
        ((0, 2), (1, 3)),  # overlapping the end
        ((1, 3), (0, 2)),  # overlapping the start
        ((1, 3), (1, 3)),  # the same segment
    ],
)
def test_a_second_sale_of_a_seat_on_a_shared_leg_is_refused(train, owner, other_user, held, wanted):
    hold(train, owner, 2, *held)

    with pytest.raises(IntegrityError), transaction.atomic():
        hold(train, other_user, 2, *wanted)

    assert BookingSeat.objects.filter(train=train, seat_number=2).count() == 1


def test_a_seat_is_sold_again_on_the_legs_before_and_after_a_sale(train, owner, other_user):
    hold(train, owner, 2, 1, 3)

    hold(train, other_user, 2, 0, 1)
    hold(train, other_user, 2, 3, 4)

    assert sorted(
        BookingSeat.objects.filter(train=train, seat_number=2).values_list("from_position", "to_position")
    ) == [(0, 1), (1, 3), (3, 4)]


def test_other_seats_and_other_trains_do_not_conflict(train, make_train, owner, other_user):
    twin = make_train(901, 4, "A", "B", "C", "D", "E")
    hold(train, owner, 2, 0, 4)

    hold(train, other_user, 3, 0, 4)
    hold(twin, other_user, 2, 0, 4)

    assert BookingSeat.objects.count() == 3


def test_the_same_seat_on_another_date_does_not_conflict(train, owner, other_user):
    hold(train, owner, 2, 0, 4)

    hold(train, other_user, 2, 0, 4, journey_date=JOURNEY + datetime.timedelta(days=1))

    with pytest.raises(IntegrityError), transaction.atomic():
        hold(train, other_user, 2, 1, 2, journey_date=JOURNEY + datetime.timedelta(days=1))
    assert BookingSeat.objects.filter(train=train, seat_number=2).count() == 2


def test_moving_a_held_seat_onto_another_date_where_it_is_sold_is_refused(train, owner, other_user):
    hold(train, owner, 2, 0, 2)
    moved = hold(train, other_user, 2, 0, 2, journey_date=JOURNEY + datetime.timedelta(days=1))

    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSeat.objects.filter(pk=moved.pk).update(journey_date=JOURNEY)


def test_moving_a_held_seat_onto_another_sale_is_refused(train, owner, other_user):
    hold(train, owner, 2, 0, 2)
    moved = hold(train, other_user, 3, 0, 2)

    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSeat.objects.filter(pk=moved.pk).update(seat_number=2)

    # Changing a row's own segment is not a conflict with itself.
    BookingSeat.objects.filter(pk=moved.pk).update(to_position=3)
    assert BookingSeat.objects.get(pk=moved.pk).to_position == 3


@pytest.mark.parametrize(
    "field, value",
    [
        ("journey_date", datetime.date(1999, 12, 31)),
        ("journey_date", datetime.date(2717, 9, 23)),
        ("seat_number", 2**14),
    ],
)
def test_a_held_seat_outside_what_the_guarantees_key_can_hold_is_refused(train, owner, field, value):
    # On PostgreSQL the guarantee keys a seat by one number made of its train, date and seat;
    # a value past its bits could make two seats share a key, so the database refuses it.
    held = hold(train, owner, 2, 0, 1)

    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSeat.objects.filter(pk=held.pk).update(**{field: value})
