"""Checks shared by the seat engine's tests."""

from bookings.models import SeatLeg
from trains.models import Seat, Train


def assert_seat_masks_match_seat_legs(train: Train) -> None:
    """Assert every seat exists once and its sold-legs mask is exactly the legs its SeatLeg rows hold."""
    from_rows: dict[int, int] = {}
    for leg, seat in SeatLeg.objects.filter(train=train).values_list("leg", "seat_number"):
        from_rows[seat] = from_rows.get(seat, 0) | 1 << leg
    seats = dict(Seat.objects.filter(train=train).values_list("number", "sold_legs"))
    assert sorted(seats) == list(range(1, train.total_seats + 1))
    assert {number: mask for number, mask in seats.items() if mask} == from_rows
