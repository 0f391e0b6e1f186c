"""Checks of a journey's seats held by passengers, for bookings whose passengers cancel one by one.

A booking keeps every seat it sold in `seat_numbers`, for the record; the seats it still holds
are those of its confirmed passengers, and its BookingSeat rows must be exactly those.
"""

from collections import Counter
from decimal import Decimal

from bookings.inventory import journey_inventory_check
from bookings.models import Booking, BookingSeat, Journey, Passenger
from bookings.tests.invariants import seat_legs_held
from trains.models import Train


def seat_legs_of_confirmed_passengers(train: Train) -> Counter[tuple[int, int, int]]:
    """Return the multiset of (leg, seat, booking id) the train's confirmed passengers hold."""
    held: Counter[tuple[int, int, int]] = Counter()
    passengers = Passenger.objects.filter(booking__train=train, status=Passenger.Status.CONFIRMED)
    for seat, booking_id, from_position, to_position in passengers.values_list(
        "seat_number", "booking_id", "booking__from_position", "booking__to_position"
    ):
        for leg in range(from_position, to_position):
            held[(leg, seat, booking_id)] += 1
    return held


def assert_booking_adds_up(booking: Booking) -> None:
    """Assert a booking's totals, status and seats held are what its passengers say."""
    passengers = list(booking.passengers.all())
    cancelled = [passenger for passenger in passengers if passenger.status == Passenger.Status.CANCELLED]
    confirmed = [passenger for passenger in passengers if passenger.status == Passenger.Status.CONFIRMED]
    assert len(passengers) == booking.seat_count
    assert sorted(passenger.seat_number for passenger in passengers) == booking.seat_numbers
    assert booking.fare_total == sum((passenger.fare for passenger in passengers), Decimal("0.00"))
    assert booking.refund_total == sum((passenger.refund for passenger in cancelled), Decimal("0.00"))
    assert all(passenger.refund is None for passenger in confirmed)
    assert booking.seats_cancelled == len(cancelled)
    assert booking.status == (Booking.Status.CONFIRMED if confirmed else Booking.Status.CANCELLED)
    held = BookingSeat.objects.filter(booking=booking).values_list("seat_number", flat=True)
    assert sorted(held) == sorted(passenger.seat_number for passenger in confirmed)


def assert_passenger_inventory_is_consistent(train: Train) -> None:
    """Assert no seat is sold twice on a leg, BookingSeat rows hold exactly the confirmed passengers'
    seats on their bookings' segments, every booking adds up, and the free stretches are what the
    seats held leave free."""
    rows = seat_legs_held(train)
    assert rows == seat_legs_of_confirmed_passengers(train)
    assert max(Counter((leg, seat) for leg, seat, _ in rows.elements()).values(), default=1) == 1
    for booking in Booking.objects.filter(train=train).prefetch_related("passengers"):
        assert_booking_adds_up(booking)
    for journey in Journey.objects.filter(train=train):
        difference = journey_inventory_check(journey=journey)
        assert not difference.missing and not difference.unexpected, difference
