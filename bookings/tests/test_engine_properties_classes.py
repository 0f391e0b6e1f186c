"""Property tests of sales by class to named passengers, and of their cancellations, against a plain model.

A train of two or three classes, each of one or two coaches of a few seats, sells groups of
one to six passengers (some wishing for a seat position) on random segments, and cancels some
passengers of a booking or all of them. A dict of seat -> sold legs and each booking's
passengers must agree with the engine on every answer: the refusal and its code, or the seats
sold, which must score as well as the best choice the reference allocator finds by trying
every choice of seats (`reference_allocation.party_choice`). The inventory stays exact, and
every booking's fares, refunds, seats cancelled and status are its passengers'.
"""

import datetime
import itertools
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.errors import (
    BookingAlreadyCancelled,
    InsufficientSeats,
    PassengerAlreadyCancelled,
    PassengerUnknown,
    SeatCapReached,
)
from bookings.models import Booking, Passenger
from bookings.passengers import PASSENGERS_MAX, PassengerRequest
from bookings.selectors import trains_between
from bookings.services import booking_cancel, booking_create, passengers_cancel
from bookings.tests import reference_allocation
from bookings.tests.invariants import seat_legs_held
from bookings.tests.passenger_inventory import assert_passenger_inventory_is_consistent
from trains.coach_plans import CoachPlan
from trains.fares import FarePlan
from trains.seat_positions import LAYOUT_POSITIONS, POSITIONS
from trains.services import train_create

STATIONS = [f"Junction {letter}" for letter in "ABCDEF"]
CLASSES = ["1A", "3A", "SL"]
# Hypothesis examples share the test's transaction, so every example needs a train of its own.
TRAIN_NUMBERS = itertools.count(72_000)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Coach:
    travel_class: str
    seats: int
    layout: str


@dataclass(frozen=True)
class Book:
    nth_class: int
    from_position: int
    to_position: int
    # One per passenger: the position wished for, or None.
    preferences: tuple[str | None, ...]


@dataclass(frozen=True)
class CancelSome:
    # Which of the bookings made so far, modulo their number.
    nth_booking: int
    # The passengers asked for, modulo the booking's number of them: some may be cancelled already.
    picks: tuple[int, ...]
    # Whether to ask for a passenger id past the booking's last too.
    unknown: bool


@dataclass(frozen=True)
class CancelAll:
    nth_booking: int
    # By the booking's id (booking_cancel), or by its PNR naming no passenger (passengers_cancel).
    by_pnr: bool


@dataclass(frozen=True)
class Scenario:
    stop_count: int
    coaches: list[Coach]
    # Each stop's distance from the first, in km.
    distances: list[int]
    # Each class's (per_km, minimum); a class left out costs nothing.
    fares: dict[str, tuple[Decimal, Decimal]]
    operations: list[Book | CancelSome | CancelAll]
    # The most seats the one passenger may hold on the journey.
    seat_cap: int


@dataclass
class ReferenceBooking:
    booking_id: int
    travel_class: str
    legs: range
    seats: dict[int, int]  # passenger id -> seat number
    fare: Decimal
    refunds: dict[int, Decimal] = field(default_factory=dict)  # cancelled passenger id -> refund

    @property
    def cancelled(self) -> bool:
        return len(self.refunds) == len(self.seats)


@dataclass
class ReferenceTrain:
    """What the engine should hold: each seat's sold legs, and each booking's passengers and seats."""

    coaches: list[Coach]
    leg_count: int
    sold_legs: dict[int, set[int]] = field(default_factory=dict)
    bookings: list[ReferenceBooking] = field(default_factory=list)

    def seats_of(self, travel_class: str) -> list[int]:
        return [
            seat for seat, coach in self.coach_of.items() if self.coaches[coach].travel_class == travel_class
        ]

    @property
    def coach_of(self) -> dict[int, int]:
        """Return each train-wide seat number's coach, by index: seats are numbered on in coach order."""
        seats = itertools.chain.from_iterable(
            [index] * coach.seats for index, coach in enumerate(self.coaches)
        )
        return dict(enumerate(seats, 1))

    def position_of(self, seat: int) -> str:
        index = self.coach_of[seat]
        first = 1 + sum(coach.seats for coach in self.coaches[:index])
        pattern = LAYOUT_POSITIONS[self.coaches[index].layout]
        return pattern[(seat - first) % len(pattern)]

    def free_seats(self, travel_class: str, legs: range) -> list[int]:
        return [
            seat for seat in self.seats_of(travel_class) if not self.sold_legs.get(seat, set()) & set(legs)
        ]

    def stretch_length(self, seat: int, legs: range) -> int:
        """Return the legs of the free stretch covering `legs` on a seat free on them."""
        sold = self.sold_legs.get(seat, set())
        start, stop = legs.start, legs.stop
        while start > 0 and start - 1 not in sold:
            start -= 1
        while stop < self.leg_count and stop not in sold:
            stop += 1
        return stop - start

    def sell(self, booking: ReferenceBooking) -> None:
        for seat in booking.seats.values():
            assert not self.sold_legs.get(seat, set()) & set(booking.legs)
            self.sold_legs.setdefault(seat, set()).update(booking.legs)
        self.bookings.append(booking)

    def release(self, booking: ReferenceBooking, passenger_ids: list[int], refund: Decimal) -> None:
        for passenger_id in passenger_ids:
            self.sold_legs[booking.seats[passenger_id]] -= set(booking.legs)
            booking.refunds[passenger_id] = refund

    def seats_held(self) -> int:
        return sum(len(booking.seats) - len(booking.refunds) for booking in self.bookings)

    def seat_legs(self) -> Counter[tuple[int, int, int]]:
        """Return the (leg, seat, booking id) rows the confirmed passengers should hold."""
        return Counter(
            (leg, seat, booking.booking_id)
            for booking in self.bookings
            for passenger_id, seat in booking.seats.items()
            if passenger_id not in booking.refunds
            for leg in booking.legs
        )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    stop_count = draw(st.integers(2, len(STATIONS)))
    classes = CLASSES[: draw(st.integers(2, 3))]
    coaches = []
    for travel_class in classes:
        # At most seven seats a class, so that the reference can try every choice of them.
        sizes = draw(
            st.lists(st.integers(1, 4), min_size=1, max_size=2).filter(lambda sizes: sum(sizes) <= 7)
        )
        coaches += [
            Coach(travel_class, size, draw(st.sampled_from(sorted(LAYOUT_POSITIONS)))) for size in sizes
        ]
    # Coaches of the classes mixed along the train, as a rake may have them.
    coaches = draw(st.permutations(coaches))
    distances = list(
        itertools.accumulate(
            draw(st.lists(st.integers(1, 300), min_size=stop_count - 1, max_size=stop_count - 1)), initial=0
        )
    )
    fares = {
        travel_class: (Decimal(draw(st.integers(10, 400))) / 100, Decimal(draw(st.integers(0, 200))))
        for travel_class in classes
        if draw(st.booleans()) or travel_class == classes[0]
    }
    segments = st.integers(0, stop_count - 2).flatmap(
        lambda start: st.tuples(st.just(start), st.integers(start + 1, stop_count - 1))
    )

    def wishes(nth_class: int) -> st.SearchStrategy[list[str | None]]:
        """Mostly small parties, which a class of a few seats can take more than once, wishing mostly
        for positions the class's coaches have, at times for one they have not."""
        had = sorted(
            {
                position
                for coach in coaches
                if coach.travel_class == classes[nth_class]
                for position in LAYOUT_POSITIONS[coach.layout]
            }
        )
        wish = st.one_of(st.none(), st.sampled_from(had), st.sampled_from(had), st.sampled_from(POSITIONS))
        return st.sampled_from([1, 1, 2, 2, 3, 3, 4, 5, PASSENGERS_MAX]).flatmap(
            lambda size: st.lists(wish, min_size=size, max_size=size)
        )

    book = st.integers(0, len(classes) - 1).flatmap(
        lambda nth_class: st.builds(
            lambda segment, preferences: Book(nth_class, *segment, tuple(preferences)),
            segments,
            wishes(nth_class),
        )
    )
    cancel_some = st.builds(
        CancelSome,
        st.integers(0, 50),
        st.lists(st.integers(0, 50), min_size=1, max_size=3).map(tuple),
        st.sampled_from([False] * 7 + [True]),
    )
    cancel_all = st.builds(CancelAll, st.integers(0, 50), st.booleans())
    operations = draw(
        st.lists(st.one_of(book, book, cancel_some, cancel_some, cancel_all), min_size=6, max_size=30)
    )
    return Scenario(stop_count, coaches, distances, fares, operations, draw(st.integers(1, 24)))


def fare_of(scenario: Scenario, travel_class: str, legs: range) -> Decimal:
    """Return one passenger's fare: the class's rate times the km ridden, never below its minimum."""
    if travel_class not in scenario.fares:
        return Decimal("0.00")
    per_km, minimum = scenario.fares[travel_class]
    km = scenario.distances[legs.stop] - scenario.distances[legs.start]
    return max(minimum, per_km * km).quantize(CENT, rounding=ROUND_HALF_UP)


def refund_of(fare: Decimal) -> Decimal:
    """Return what a passenger cancelling days before departure gets back: the fare less the fee."""
    return max(Decimal("0.00"), fare - django_settings.CANCELLATION_FEE)


def assert_best_choice(reference: ReferenceTrain, operation: Book, legs: range, seats: list[int]) -> None:
    """Assert the seats handed to the passengers, in their order, score as the best choice any could."""
    travel_class = CLASSES[operation.nth_class]
    free = reference.free_seats(travel_class, legs)
    assert set(seats) <= set(free)
    best = reference_allocation.party_choice(
        lengths={seat: reference.stretch_length(seat, legs) for seat in free},
        coach_of=reference.coach_of,
        position_of={seat: reference.position_of(seat) for seat in free},
        preferences=list(operation.preferences),
    )
    assert best is not None
    met = sum(
        reference.position_of(seat) == wish for seat, wish in zip(seats, operation.preferences, strict=True)
    )
    assert reference_allocation.party_tier(seats, coach_of=reference.coach_of) == best.tier
    assert met == best.met
    assert sum(reference.stretch_length(seat, legs) for seat in seats) == best.total_length
    # Ties go to the lowest first seat among runs; with no wishes, the tightest seats taken lowest
    # first also hold the lowest seat any tightest choice could, in a coach or anywhere.
    if best.tier == 1 or not any(operation.preferences):
        assert min(seats) == best.first_seat


def assert_matches(train, reference: ReferenceTrain) -> None:
    assert seat_legs_held(train) == reference.seat_legs()
    assert_passenger_inventory_is_consistent(train)
    stored = {
        booking.pk: booking for booking in Booking.objects.filter(train=train).prefetch_related("passengers")
    }
    assert set(stored) == {booking.booking_id for booking in reference.bookings}
    for expected in reference.bookings:
        booking = stored[expected.booking_id]
        assert booking.status == (
            Booking.Status.CANCELLED if expected.cancelled else Booking.Status.CONFIRMED
        )
        assert booking.seats_cancelled == len(expected.refunds)
        assert booking.fare_total == expected.fare * len(expected.seats)
        assert booking.refund_total == sum(expected.refunds.values(), Decimal("0.00"))
        for passenger in booking.passengers.all():
            assert passenger.seat_number == expected.seats[passenger.passenger_id]
            assert passenger.fare == expected.fare
            if passenger.passenger_id in expected.refunds:
                assert passenger.status == Passenger.Status.CANCELLED
                assert passenger.refund == expected.refunds[passenger.passenger_id]
            else:
                assert passenger.status == Passenger.Status.CONFIRMED


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_any_sequence_of_class_sales_and_passenger_cancellations_matches_the_reference_model(
    scenario: Scenario, owner
):
    # Each example books on a train of its own for the one passenger, whose seats from earlier
    # examples stay held: the model is of one journey and its cap, not of the cap across journeys.
    with override_settings(
        BOOKING_MAX_SEATS_PER_USER_PER_TRAIN=scenario.seat_cap, BOOKING_MAX_SEATS_PER_USER=10**6
    ):
        run_against_the_reference_model(scenario, owner)


def run_against_the_reference_model(scenario: Scenario, owner) -> None:
    train_number = next(TRAIN_NUMBERS)
    route = STATIONS[: scenario.stop_count]
    train = train_create(
        train_number=train_number,
        source=route[0],
        destination=route[-1],
        total_seats=sum(coach.seats for coach in scenario.coaches),
        stops=route,
        distances_km=[Decimal(km) for km in scenario.distances],
        coaches=[
            CoachPlan(f"K{index}", coach.travel_class, coach.seats, coach.layout)
            for index, coach in enumerate(scenario.coaches, 1)
        ],
        fares=[FarePlan(travel_class, *fare) for travel_class, fare in scenario.fares.items()],
    )
    # Days ahead, so that every cancellation is refunded by the first band.
    journey_date = timezone.localdate() + datetime.timedelta(days=4)
    reference = ReferenceTrain(coaches=scenario.coaches, leg_count=scenario.stop_count - 1)

    for operation in scenario.operations:
        if isinstance(operation, Book):
            run_book(scenario, reference, operation, train, route, journey_date, owner)
        elif reference.bookings and isinstance(operation, CancelSome):
            run_cancel_some(reference, operation, owner)
        elif reference.bookings:
            run_cancel_all(reference, operation, owner)
        assert_matches(train, reference)


def class_availability(train, route, journey_date, operation: Book) -> dict[str, tuple[int, Decimal]]:
    """Return each class's seats free and fare on the operation's segment, as the search shows them."""
    (row,) = [
        row
        for row in trains_between(
            source=route[operation.from_position],
            destination=route[operation.to_position],
            journey_date=journey_date,
        )
        if row.train_number == train.train_number
    ]
    return {shown.travel_class: (shown.available_seats, shown.fare) for shown in row.classes}


def run_book(scenario, reference: ReferenceTrain, operation: Book, train, route, journey_date, owner) -> None:
    travel_class = CLASSES[operation.nth_class]
    legs = range(operation.from_position, operation.to_position)
    free = reference.free_seats(travel_class, legs)
    count = len(operation.preferences)
    fare = fare_of(scenario, travel_class, legs)
    shown = class_availability(train, route, journey_date, operation)
    assert shown[travel_class] == (len(free), fare)
    assert set(shown) == {coach.travel_class for coach in scenario.coaches}
    held = reference.seats_held()
    requests = [
        PassengerRequest(name=f"Traveller {number}", age=20 + number, preference=wish)
        for number, wish in enumerate(operation.preferences, 1)
    ]
    try:
        booking = booking_create(
            user=owner,
            train_number=train.train_number,
            journey_date=journey_date,
            source=route[operation.from_position],
            destination=route[operation.to_position],
            travel_class=travel_class,
            passengers=requests,
        )
    except SeatCapReached as refusal:
        # Cancelled passengers' seats count no more against the cap.
        assert held + count > scenario.seat_cap
        assert refusal.extra["seats_held"] == held
        return
    except InsufficientSeats as refusal:
        assert held + count <= scenario.seat_cap
        assert len(free) < count
        assert refusal.extra["available_seats"] == len(free)
        return
    assert held + count <= scenario.seat_cap
    assert len(free) >= count
    assert booking.travel_class == travel_class
    sold = booking.passengers_sold
    seats = [passenger.seat_number for passenger in sold]
    assert len(set(seats)) == count
    assert booking.seat_numbers == sorted(seats)
    assert_best_choice(reference, operation, legs, seats)
    for passenger, wish in zip(sold, operation.preferences, strict=True):
        coach = reference.coach_of[passenger.seat_number]
        assert passenger.coach == f"K{coach + 1}"
        assert passenger.position == reference.position_of(passenger.seat_number)
        assert passenger.preference_met == (None if wish is None else passenger.position == wish)
        assert passenger.fare == fare
    reference.sell(
        ReferenceBooking(
            booking_id=booking.pk,
            travel_class=travel_class,
            legs=legs,
            seats={passenger.passenger_id: passenger.seat_number for passenger in sold},
            fare=fare,
        )
    )


def run_cancel_some(reference: ReferenceTrain, operation: CancelSome, owner) -> None:
    expected = reference.bookings[operation.nth_booking % len(reference.bookings)]
    pnr = Booking.objects.values_list("pnr", flat=True).get(pk=expected.booking_id)
    asked = {pick % len(expected.seats) + 1 for pick in operation.picks}
    if operation.unknown:
        asked.add(len(expected.seats) + 1)
    passenger_ids = sorted(asked, reverse=True)
    if expected.cancelled:
        with pytest.raises(BookingAlreadyCancelled):
            passengers_cancel(pnr=pnr, actor=owner, passenger_ids=passenger_ids)
        return
    unknown = sorted(asked - set(expected.seats))
    again = sorted(asked & set(expected.refunds))
    if unknown:
        with pytest.raises(PassengerUnknown) as refusal:
            passengers_cancel(pnr=pnr, actor=owner, passenger_ids=passenger_ids)
        assert refusal.value.extra["passenger_ids"] == unknown
        return
    if again:
        with pytest.raises(PassengerAlreadyCancelled) as refusal:
            passengers_cancel(pnr=pnr, actor=owner, passenger_ids=passenger_ids)
        assert refusal.value.extra["passenger_ids"] == again
        return
    cancelled = passengers_cancel(pnr=pnr, actor=owner, passenger_ids=passenger_ids)
    refund = refund_of(expected.fare)
    assert cancelled.refund_now == refund * len(asked)
    reference.release(expected, sorted(asked), refund)


def run_cancel_all(reference: ReferenceTrain, operation: CancelAll, owner) -> None:
    expected = reference.bookings[operation.nth_booking % len(reference.bookings)]
    booking = Booking.objects.get(pk=expected.booking_id)

    def cancel() -> Booking:
        if operation.by_pnr:
            return passengers_cancel(pnr=booking.pnr, actor=owner)
        return booking_cancel(booking_id=booking.pk, actor=owner)

    if expected.cancelled:
        with pytest.raises(BookingAlreadyCancelled):
            cancel()
        return
    leaving = sorted(set(expected.seats) - set(expected.refunds))
    cancelled = cancel()
    refund = refund_of(expected.fare)
    assert cancelled.status == Booking.Status.CANCELLED
    assert cancelled.refund_now == refund * len(leaving)
    reference.release(expected, leaving, refund)
