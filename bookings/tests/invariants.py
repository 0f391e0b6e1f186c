"""Checks shared by the seat engine's tests."""

import datetime
from collections import Counter

from bookings.models import Booking, BookingSeat
from trains.models import Journey, Seat, Train


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


def assert_seat_masks_match_seats_held(train: Train) -> None:
    """Assert each journey has every seat once, its mask exactly the legs its BookingSeat rows hold."""
    journeys = set(Journey.objects.filter(train=train).values_list("date", flat=True))
    assert set(Seat.objects.filter(train=train).values_list("journey_date", flat=True)) <= journeys
    assert set(BookingSeat.objects.filter(train=train).values_list("journey_date", flat=True)) <= journeys
    for journey_date in journeys:
        from_rows: dict[int, int] = {}
        for leg, seat, _ in seat_legs_held(train, journey_date):
            from_rows[seat] = from_rows.get(seat, 0) | 1 << leg
        seats = dict(
            Seat.objects.filter(train=train, journey_date=journey_date).values_list("number", "sold_legs")
        )
        assert sorted(seats) == list(range(1, train.total_seats + 1))
        assert {number: mask for number, mask in seats.items() if mask} == from_rows


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
    """Assert no seat is sold twice on a leg of a journey and BookingSeat rows hold just confirmed seats."""
    assert seat_legs_held(train) == seat_legs_of_confirmed_bookings(train)
    journey_dates = Booking.objects.filter(train=train).values_list("journey_date", flat=True).distinct()
    for journey_date in journey_dates:
        held = seat_legs_of_confirmed_bookings(train, journey_date)
        per_leg_and_seat = Counter((leg, seat) for leg, seat, _ in held.elements())
        assert all(times == 1 for times in per_leg_and_seat.values())
        sold_per_leg = Counter(leg for leg, _ in per_leg_and_seat)
        assert all(sold <= train.total_seats for sold in sold_per_leg.values())
        assert all(1 <= seat <= train.total_seats for _, seat in per_leg_and_seat)
    assert_seat_masks_match_seats_held(train)
