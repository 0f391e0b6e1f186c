"""Checks shared by the seat engine's tests."""

from collections import Counter

from bookings.models import BookingSeat
from trains.models import Seat, Train


def seat_legs_held(train: Train) -> Counter[tuple[int, int, int]]:
    """Return the multiset of (leg, seat, booking id) that the train's BookingSeat rows hold."""
    rows = BookingSeat.objects.filter(train=train).values_list(
        "seat_number", "booking_id", "from_position", "to_position"
    )
    return Counter(
        (leg, seat, booking_id)
        for seat, booking_id, from_position, to_position in rows
        for leg in range(from_position, to_position)
    )


def assert_seat_masks_match_seats_held(train: Train) -> None:
    """Assert every seat exists once and its sold-legs mask is exactly the legs its BookingSeat rows hold."""
    from_rows: dict[int, int] = {}
    for leg, seat, _ in seat_legs_held(train):
        from_rows[seat] = from_rows.get(seat, 0) | 1 << leg
    seats = dict(Seat.objects.filter(train=train).values_list("number", "sold_legs"))
    assert sorted(seats) == list(range(1, train.total_seats + 1))
    assert {number: mask for number, mask in seats.items() if mask} == from_rows
