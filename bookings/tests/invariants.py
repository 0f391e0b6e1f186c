"""Checks shared by the seat engine's tests."""

import datetime
from collections import Counter

from bookings.inventory import journey_inventory_check
from bookings.models import Booking, BookingSeat, FreeStretch, Journey
from trains.models import Train


def seat_legs_held(train: Train, journey_date: datetime.date | None = None) -> Counter[tuple[int, int, int]]:
    """Return the multiset of (leg, seat, booking id) the train's BookingSeat rows hold (on one journey)."""
    rows = BookingSeat.objects.filter(train=train)
    if journey_date is not None:
        rows = rows.filter(journey_date=journey_date)
    return Counter(
        (leg, seat, booking_id)
        for seat, booking_id, from_position, to_position in rows.values_list(
            "seat_number", "booking_id", "from_position", "to_position"
        )
        for leg in range(from_position, to_position)
    )


def assert_free_stretches_match_seats_held(train: Train) -> None:
    """Assert each journey's free stretches are exactly the legs its BookingSeat rows leave free.

    journey_inventory_check recomputes them for every seat 1..total_seats, so a seat missing,
    one too many, or a stretch not maximal is a difference too.
    """
    journeys = list(Journey.objects.filter(train=train))
    dates = {journey.date for journey in journeys}
    assert set(FreeStretch.objects.filter(train=train).values_list("journey_date", flat=True)) <= dates
    assert set(BookingSeat.objects.filter(train=train).values_list("journey_date", flat=True)) <= dates
    for journey in journeys:
        difference = journey_inventory_check(journey=journey)
        assert not difference.missing and not difference.unexpected, difference


def seat_legs_of_confirmed_bookings(
    train: Train, journey_date: datetime.date | None = None
) -> Counter[tuple[int, int, int]]:
    """Return the multiset of (leg, seat, booking id) the train's confirmed bookings hold (on one journey)."""
    bookings = Booking.objects.filter(train=train, status=Booking.Status.CONFIRMED)
    if journey_date is not None:
        bookings = bookings.filter(journey_date=journey_date)
    held: Counter[tuple[int, int, int]] = Counter()
    for booking in bookings:
        for seat in booking.seat_numbers:
            for leg in range(booking.from_position, booking.to_position):
                held[(leg, seat, booking.pk)] += 1
    return held


def assert_inventory_is_consistent(train: Train) -> None:
    """Assert no seat is sold twice on a leg of a journey, BookingSeat rows hold just confirmed seats,
    and the free stretches are what those rows leave free."""
    assert seat_legs_held(train) == seat_legs_of_confirmed_bookings(train)
    journey_dates = Booking.objects.filter(train=train).values_list("journey_date", flat=True).distinct()
    for journey_date in journey_dates:
        held = seat_legs_of_confirmed_bookings(train, journey_date)
        per_leg_and_seat = Counter((leg, seat) for leg, seat, _ in held.elements())
        assert all(times == 1 for times in per_leg_and_seat.values())
        sold_per_leg = Counter(leg for leg, _ in per_leg_and_seat)
        assert all(sold <= train.total_seats for sold in sold_per_leg.values())
        assert all(1 <= seat <= train.total_seats for _, seat in per_leg_and_seat)
    assert_free_stretches_match_seats_held(train)
