"""Property tests of the seat engine on the real database against a plain reference model.

Any sequence of bookings and cancellations on random segments must keep the inventory
exact (no seat sold twice on a leg, BookingSeat rows equal to the confirmed bookings'
seats times legs, free stretches equal to what they leave free) and agree with a dict of
seat -> sold legs on every answer, the per-user seat cap included, and pick the very seats
that the seat rule, applied to every seat at once by the reference allocator, picks.
"""

import itertools
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.errors import BookingAlreadyCancelled, InsufficientSeats, SeatCapReached
from bookings.inventory import journey_inventory_check
from bookings.models import Booking, Journey
from bookings.selectors import trains_between
from bookings.services import booking_cancel, booking_create
from bookings.tests import reference_allocation
from bookings.tests.invariants import seat_legs_held
from trains.models import Train

STATIONS = [f"Halt {letter}" for letter in "ABCDEFG"]
# Hypothesis examples share the test's transaction, so every example needs a train of its own.
TRAIN_NUMBERS = itertools.count(70_000)


@dataclass(frozen=True)
class Book:
    from_position: int
    to_position: int
    seat_count: int


@dataclass(frozen=True)
class Cancel:
    # Which of the bookings made so far, modulo their number; cancelled ones are cancelled again.
    nth_booking: int


@dataclass(frozen=True)
class Scenario:
    stop_count: int
    total_seats: int
    operations: list[Book | Cancel]
    # The most seats the one passenger may hold on the train.
    seat_cap: int


@dataclass
class ReferenceTrain:
    """What the engine should hold: each seat's sold legs, and each booking's seats and legs."""

    total_seats: int
    sold_legs: dict[int, set[int]] = field(default_factory=dict)
    bookings: dict[int, tuple[list[int], range]] = field(default_factory=dict)
    cancelled: set[int] = field(default_factory=set)

    def choose(self, legs: range, *, count: int, leg_count: int) -> list[int] | None:
        """Return the seats the seat rule picks, applied to every seat at once."""
        occupied = {seat: sum(1 << leg for leg in sold) for seat, sold in self.sold_legs.items() if sold}
        chosen = reference_allocation.choose_seats(
            occupied=occupied,
            total_seats=self.total_seats,
            leg_count=leg_count,
            from_position=legs.start,
            to_position=legs.stop,
            count=count,
        )
        return None if chosen is None else sorted(chosen)

    def free_seats(self, legs: range) -> list[int]:
        return [
            seat for seat in range(1, self.total_seats + 1) if not self.sold_legs.get(seat, set()) & set(legs)
        ]

    def sell(self, booking_id: int, seats: list[int], legs: range) -> None:
        for seat in seats:
            self.sold_legs.setdefault(seat, set()).update(legs)
        self.bookings[booking_id] = (seats, legs)

    def seats_held(self) -> int:
        return sum(
            len(seats) for booking_id, (seats, _) in self.bookings.items() if booking_id not in self.cancelled
        )

    def release(self, booking_id: int) -> None:
        seats, legs = self.bookings[booking_id]
        for seat in seats:
            self.sold_legs[seat] -= set(legs)
        self.cancelled.add(booking_id)

    def seat_legs(self) -> Counter[tuple[int, int, int]]:
        """Return the (leg, seat, booking id) rows that the confirmed bookings should hold."""
        return Counter(
            (leg, seat, booking_id)
            for booking_id, (seats, legs) in self.bookings.items()
            if booking_id not in self.cancelled
            for seat in seats
            for leg in legs
        )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    stop_count = draw(st.integers(2, len(STATIONS)))
    segments = st.integers(0, stop_count - 2).flatmap(
        lambda start: st.tuples(st.just(start), st.integers(start + 1, stop_count - 1))
    )
    book = st.builds(lambda segment, count: Book(*segment, count), segments, st.integers(1, 4))
    cancel = st.builds(Cancel, st.integers(0, 50))
    operations = draw(st.lists(st.one_of(book, book, cancel), max_size=25))
    return Scenario(stop_count, draw(st.integers(1, 12)), operations, draw(st.integers(1, 24)))


def available_seats_shown(train: Train, source: str, destination: str) -> int:
    """Return what the availability endpoint's selector reports for this train and segment."""
    (row,) = [
        row
        for row in trains_between(source=source, destination=destination)
        if row.train_number == train.train_number
    ]
    return row.available_seats


def assert_inventory_matches(train: Train, reference: ReferenceTrain) -> None:
    rows = seat_legs_held(train)
    assert rows == reference.seat_legs()
    assert max(Counter((leg, seat) for leg, seat, _ in rows).values(), default=1) == 1
    assert all(sold <= train.total_seats for sold in Counter(leg for leg, _, _ in rows).values())
    confirmed = Booking.objects.filter(train=train, status=Booking.Status.CONFIRMED)
    assert {booking.pk for booking in confirmed} == set(reference.bookings) - reference.cancelled
    for booking in confirmed:
        assert booking.seat_numbers == reference.bookings[booking.pk][0]
    for journey in Journey.objects.filter(train=train):
        difference = journey_inventory_check(journey=journey)
        assert not difference.missing
        assert not difference.unexpected


@pytest.mark.django_db
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_any_sequence_of_bookings_and_cancellations_matches_the_reference_model(
    scenario: Scenario, owner, make_train
):
    # Each example books on a train of its own for the one passenger, whose seats from earlier
    # examples stay held: the model is of one journey and its cap, not of the cap across journeys.
    with override_settings(
        BOOKING_MAX_SEATS_PER_USER_PER_TRAIN=scenario.seat_cap, BOOKING_MAX_SEATS_PER_USER=10**6
    ):
        run_against_the_reference_model(scenario, owner, make_train)


def run_against_the_reference_model(scenario: Scenario, owner, make_train) -> None:
    route = STATIONS[: scenario.stop_count]
    train = make_train(next(TRAIN_NUMBERS), scenario.total_seats, *route)
    reference = ReferenceTrain(total_seats=scenario.total_seats)
    made: list[int] = []

    for operation in scenario.operations:
        if isinstance(operation, Book):
            legs = range(operation.from_position, operation.to_position)
            free = reference.free_seats(legs)
            source, destination = route[operation.from_position], route[operation.to_position]
            assert available_seats_shown(train, source, destination) == len(free)
            held = reference.seats_held()
            try:
                booking = booking_create(
                    user=owner,
                    train_number=train.train_number,
                    seat_count=operation.seat_count,
                    source=source,
                    destination=destination,
                )
            except SeatCapReached as refusal:
                assert held + operation.seat_count > scenario.seat_cap
                assert refusal.extra["seats_held"] == held
            except InsufficientSeats as refusal:
                assert held + operation.seat_count <= scenario.seat_cap
                assert len(free) < operation.seat_count
                assert refusal.extra["available_seats"] == len(free)
            else:
                assert held + operation.seat_count <= scenario.seat_cap
                assert len(free) >= operation.seat_count
                assert len(booking.seat_numbers) == operation.seat_count
                assert len(set(booking.seat_numbers)) == operation.seat_count
                assert set(booking.seat_numbers) <= set(free)
                assert booking.seat_numbers == reference.choose(
                    legs, count=operation.seat_count, leg_count=scenario.stop_count - 1
                )
                reference.sell(booking.pk, booking.seat_numbers, legs)
                made.append(booking.pk)
        elif made:
            booking_id = made[operation.nth_booking % len(made)]
            if booking_id in reference.cancelled:
                with pytest.raises(BookingAlreadyCancelled):
                    booking_cancel(booking_id=booking_id, actor=owner)
            else:
                assert booking_cancel(booking_id=booking_id, actor=owner).status == Booking.Status.CANCELLED
                reference.release(booking_id)
        assert_inventory_matches(train, reference)
