"""Checks shared by the seat engine's tests."""

import datetime
from collections import Counter
from decimal import Decimal

from bookings.inventory import journey_inventory_check
from bookings.models import Booking, BookingSeat, FreeStretch, Journey, Passenger
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


def seats_free_on(
    train: Train, journey_date: datetime.date, seats: set[int], from_position: int, to_position: int
) -> set[int]:
    """Return those of `seats` that no BookingSeat row holds on any leg from stop `from_position` to stop
    `to_position` of the journey."""
    return seats - {
        seat for leg, seat, _ in seat_legs_held(train, journey_date) if from_position <= leg < to_position
    }


def assert_bookings_agree_with_their_seats(train: Train) -> None:
    """Assert, for the train's bookings of every status, held and waiting ones too, that no seat is sold
    twice on a leg, every passenger holding a seat has exactly one BookingSeat row (on the booking's
    segment) and no other passenger has one, each booking's status, cancellations and refunds are its
    passengers', and the free stretches are what the rows leave free."""
    seated = (Passenger.Status.HELD, Passenger.Status.CONFIRMED)
    rows_expected: Counter[tuple[int, int, int]] = Counter()
    for booking in Booking.objects.filter(train=train).prefetch_related("passengers"):
        passengers = list(booking.passengers.all())
        live = [passenger for passenger in passengers if passenger.status != Passenger.Status.CANCELLED]
        cancelled = [passenger for passenger in passengers if passenger.status == Passenger.Status.CANCELLED]
        assert len(passengers) == booking.seat_count
        assert booking.seats_cancelled == len(cancelled)
        assert booking.refund_total == sum((passenger.refund for passenger in cancelled), Decimal("0.00"))
        assert all(passenger.refund is None for passenger in live)
        # Live passengers share their booking's status; a booking with none left is cancelled.
        assert {passenger.status for passenger in live} == (set() if not live else {booking.status})
        assert booking.status != Booking.Status.CANCELLED or not live
        holding = [passenger.seat_number for passenger in live if passenger.status in seated]
        assert None not in holding
        assert len(set(holding)) == len(holding)
        assert set(holding) <= set(booking.seat_numbers)
        assert all(passenger.seat_number is None for passenger in live if passenger.status not in seated)
        rows = sorted(BookingSeat.objects.filter(booking=booking).values_list("seat_number", flat=True))
        assert rows == sorted(holding), (booking.pnr, booking.status, rows, holding)
        for seat in holding:
            for leg in range(booking.from_position, booking.to_position):
                rows_expected[(leg, seat, booking.pk)] += 1
    assert seat_legs_held(train) == rows_expected
    on_journey_legs = Counter(
        (journey_date, leg, seat)
        for journey_date, seat, from_position, to_position in BookingSeat.objects.filter(
            train=train
        ).values_list("journey_date", "seat_number", "from_position", "to_position")
        for leg in range(from_position, to_position)
    )
    assert max(on_journey_legs.values(), default=1) == 1
    assert_free_stretches_match_seats_held(train)
