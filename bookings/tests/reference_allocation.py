"""Choosing seats for a segment: pure functions over per-seat masks of occupied legs.

A seat's mask has bit i set when leg i (stop i to stop i+1) is sold on that seat.
`party_choice` weighs every choice of seats for a party with wishes, for small instances.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, permutations


def segment_mask(from_position: int, to_position: int) -> int:
    """Return the mask of the legs ridden from stop `from_position` to stop `to_position`."""
    return ((1 << to_position) - 1) ^ ((1 << from_position) - 1)


def free_seats(*, occupied: Mapping[int, int], total_seats: int, wanted: int) -> list[int]:
    """Return, in order, the seat numbers free on every leg of the `wanted` mask."""
    return [seat for seat in range(1, total_seats + 1) if not occupied.get(seat, 0) & wanted]


def slack(*, mask: int, from_position: int, to_position: int, leg_count: int) -> int:
    """Return how many free legs around the segment a seat would leave stranded on either side."""
    left = 0
    leg = from_position - 1
    while leg >= 0 and not mask >> leg & 1:
        left += 1
        leg -= 1
    right = 0
    leg = to_position
    while leg < leg_count and not mask >> leg & 1:
        right += 1
        leg += 1
    return left + right


def choose_seats(
    *,
    occupied: Mapping[int, int],
    total_seats: int,
    leg_count: int,
    from_position: int,
    to_position: int,
    count: int,
) -> list[int] | None:
    """Return `count` seats free on the whole segment, or None when there are not enough.

    Best fit: prefer seats whose free stretch hugs the segment most tightly (least slack),
    so that long free stretches stay whole for long journeys; ties go to the lowest seat
    number. A group always sits together when it can: it gets the run of consecutive seat
    numbers, all free on the segment, with the least total slack (lowest first seat on
    ties), and the tightest seats singly only when no such run exists.
    """
    wanted = segment_mask(from_position, to_position)
    candidates = free_seats(occupied=occupied, total_seats=total_seats, wanted=wanted)
    if len(candidates) < count:
        return None
    fit = {
        seat: slack(
            mask=occupied.get(seat, 0),
            from_position=from_position,
            to_position=to_position,
            leg_count=leg_count,
        )
        for seat in candidates
    }
    tightest = sorted(candidates, key=lambda seat: (fit[seat], seat))[:count]
    if count == 1:
        return tightest

    best_run: tuple[int, int] | None = None  # (total slack, first seat)
    run_start, run_slack = 0, 0
    previous = None
    window: list[int] = []
    for seat in candidates:
        if previous is not None and seat != previous + 1:
            window, run_slack = [], 0
        window.append(seat)
        run_slack += fit[seat]
        if len(window) > count:
            run_slack -= fit[window.pop(0)]
        if len(window) == count:
            run_start = window[0]
            if best_run is None or (run_slack, run_start) < best_run:
                best_run = (run_slack, run_start)
        previous = seat
    if best_run is not None:
        return list(range(best_run[1], best_run[1] + count))
    return sorted(tightest)


@dataclass(frozen=True)
class PartyChoice:
    """What the best choice of seats for a party scores: its tier (1: a run in one coach, 2: one
    coach, 3: anywhere), the most wishes it can meet, its total length, and its lowest seat."""

    tier: int
    met: int
    total_length: int
    first_seat: int


def party_tier(seats: Sequence[int], *, coach_of: Mapping[int, int]) -> int:
    """Return 1 when `seats` are consecutive numbers in one coach, 2 when in one coach, else 3."""
    if len({coach_of[seat] for seat in seats}) > 1:
        return 3
    ordered = sorted(seats)
    return 1 if ordered == list(range(ordered[0], ordered[0] + len(ordered))) else 2


def party_choice(
    *,
    lengths: Mapping[int, int],
    coach_of: Mapping[int, int],
    position_of: Mapping[int, str],
    preferences: Sequence[str | None],
) -> PartyChoice | None:
    """Return the score of the best seats for the party, trying every set of seats and every way
    of handing them out; None when there are fewer candidates (`lengths`: seat -> legs) than passengers.

    Best: the lowest tier, then the most wishes met, then the least total length, then the
    lowest first seat.
    """
    best: tuple[int, int, int, int] | None = None
    for seats in combinations(sorted(lengths), len(preferences)):
        met = max(
            sum(position_of[seat] == wish for seat, wish in zip(handed, preferences, strict=True))
            for handed in permutations(seats)
        )
        score = (party_tier(seats, coach_of=coach_of), -met, sum(lengths[seat] for seat in seats), seats[0])
        if best is None or score < best:
            best = score
    if best is None:
        return None
    tier, least_unmet, total_length, first_seat = best
    return PartyChoice(tier=tier, met=-least_unmet, total_length=total_length, first_seat=first_seat)
