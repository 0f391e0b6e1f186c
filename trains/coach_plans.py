"""The coaches a train is given when none are named: its seats in general-class coaches of up to 200."""

from dataclasses import dataclass

from trains.seat_positions import DEFAULT_LAYOUT

DEFAULT_CLASS = "GEN"
# The most seats a coach has (trains.models.Coach.MAX_SEATS).
COACH_MAX_SEATS = 200


@dataclass(frozen=True)
class CoachPlan:
    """A coach as a train's coaches are given: in order, before it is stored."""

    coach: str
    travel_class: str
    seats: int
    layout: str = DEFAULT_LAYOUT


def default_coaches(*, total_seats: int) -> list[CoachPlan]:
    """Return the coaches of a train of `total_seats` seats whose coaches are not named.

    One coach C1 of class GEN holds them all when it can; a train of more than 200 seats has
    coaches C1, C2, ... of 200 seats each, the last holding the rest.
    """
    full, rest = divmod(total_seats, COACH_MAX_SEATS)
    sizes = [COACH_MAX_SEATS] * full + ([rest] if rest else [])
    return [
        CoachPlan(coach=f"C{index}", travel_class=DEFAULT_CLASS, seats=seats)
        for index, seats in enumerate(sizes, 1)
    ]
