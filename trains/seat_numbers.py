"""How a train's seats are numbered: train-wide from 1, coach after coach in the coaches' order."""

from collections.abc import Sequence


def seat_in_coach(*, coach_seats: Sequence[int], seat_number: int) -> tuple[int, int]:
    """Return (index of the coach, number in that coach) of the train-wide `seat_number`.

    `coach_seats` holds each coach's seat count, in the coaches' order; both numbers count
    from the first: index 0, seat 1.
    """
    if seat_number < 1:
        raise ValueError(f"Seats are numbered from 1, not {seat_number}.")
    first = 1
    for index, seats in enumerate(coach_seats):
        if seat_number < first + seats:
            return index, seat_number - first + 1
        first += seats
    raise ValueError(f"The train has {first - 1} seats, not seat {seat_number}.")


def coach_seat_ranges(*, coach_seats: Sequence[int]) -> list[tuple[int, int]]:
    """Return the (first, last) train-wide seat numbers of each coach, in the coaches' order."""
    ranges = []
    first = 1
    for seats in coach_seats:
        ranges.append((first, first + seats - 1))
        first += seats
    return ranges


def class_seat_ranges(
    *, coaches: Sequence[tuple[str, int, int]], travel_class: str
) -> tuple[tuple[int, int], ...]:
    """Return the train-wide (first, last) seat numbers of the class's coaches, adjacent coaches as one range.

    `coaches` are (class, first seat, last seat) in the coaches' order.
    """
    ranges: list[tuple[int, int]] = []
    for coach_class, first, last in coaches:
        if coach_class != travel_class:
            continue
        if ranges and ranges[-1][1] + 1 == first:
            ranges[-1] = (ranges[-1][0], last)
        else:
            ranges.append((first, last))
    return tuple(ranges)
