"""A booking's passengers: who travels, where each one sits, and what each one pays."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bookings.allocation import Candidate, preferences_met
from bookings.models import Passenger
from trains.seat_positions import seat_position
from trains.selectors import CoachOnDay

# Most passengers one booking names.
PASSENGERS_MAX = 6


@dataclass(frozen=True)
class PassengerRequest:
    """A passenger as a sale names them; an anonymous one has no name and no age."""

    name: str | None = None
    age: int | None = None
    # A seat position (trains.seat_positions.POSITIONS) asked for, or None.
    preference: str | None = None


def coach_of_seat(*, coaches: Sequence[CoachOnDay], seat_number: int) -> CoachOnDay:
    """Return the coach holding the train-wide `seat_number`."""
    for coach in coaches:
        if coach.first_seat <= seat_number <= coach.last_seat:
            return coach
    raise ValueError(f"No coach holds seat {seat_number}.")


def seat_position_of(*, coaches: Sequence[CoachOnDay], seat_number: int) -> str:
    """Return the position (window, lower...) of the train-wide `seat_number`, by its coach's layout."""
    coach = coach_of_seat(coaches=coaches, seat_number=seat_number)
    return seat_position(layout=coach.layout, seat_in_coach=seat_number - coach.first_seat + 1)


def passengers_seated(
    *,
    requests: Sequence[PassengerRequest],
    chosen: Sequence[Candidate],
    coaches: Sequence[CoachOnDay],
    fare: Decimal,
    status: str = Passenger.Status.CONFIRMED,
    first_id: int = 1,
) -> list[Passenger]:
    """Return the passengers of a sale, numbered from `first_id`, each on the seat chosen for them
    (`chosen`, in the passengers' order), at the class's `fare` for the segment. With no seats
    chosen, they wait: no seat each."""
    passengers = [
        Passenger(
            passenger_id=passenger_id,
            name=request.name,
            age=request.age,
            preference=request.preference or "",
            fare=fare,
            status=status if chosen else Passenger.Status.WAITLISTED,
        )
        for passenger_id, request in enumerate(requests, first_id)
    ]
    if chosen:
        passengers_seat(passengers=passengers, chosen=chosen, coaches=coaches, status=status)
    return passengers


def passengers_seat(
    *,
    passengers: Sequence[Passenger],
    chosen: Sequence[Candidate],
    coaches: Sequence[CoachOnDay],
    status: str,
) -> None:
    """Give each of `passengers` the seat chosen for them (`chosen`, in their order), and `status`."""
    met = preferences_met(
        seats=chosen,
        preferences=[passenger.preference or None for passenger in passengers],
        position_of=lambda seat_number: seat_position_of(coaches=coaches, seat_number=seat_number),
    )
    for passenger, candidate, preference_met in zip(passengers, chosen, met, strict=True):
        coach = coach_of_seat(coaches=coaches, seat_number=candidate.seat_number)
        passenger.coach = coach.coach
        passenger.seat = candidate.seat_number - coach.first_seat + 1
        passenger.seat_number = candidate.seat_number
        passenger.position = seat_position(layout=coach.layout, seat_in_coach=passenger.seat)
        passenger.preference_met = preference_met
        passenger.status = status
