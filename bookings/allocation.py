"""Choosing seats for a segment: the one seat rule, as pure functions over free stretches.

A candidate is a seat free on every leg of the segment, with the free stretch that covers
the segment on that seat. The rule is best fit: prefer the seats whose free stretch hugs
the segment most tightly (the fewest legs, so the least slack either side), so that long
free stretches stay whole for long journeys; ties go to the lowest seat number. A group
always sits together when it can: it gets the run of consecutive seat numbers, all free on
the segment, with the least total slack (lowest first seat on ties), and the tightest seats
singly only when no such run exists.

The rule decides from the tightest candidates first and asks for more only when they
cannot settle it, so that a sale reads a handful of rows however many seats a journey has.
A group looks at the seats next to the tightest (their neighbours) only when a run holding
one of those could beat the best run among the tightest themselves.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A seat free on the segment, by the free stretch (legs from_position .. to_position - 1) covering it."""

    seat_number: int
    from_position: int
    to_position: int

    @property
    def length(self) -> int:
        return self.to_position - self.from_position


class NeedMore:
    """The tightest candidates given cannot settle the choice: ask again with more of them."""


NEED_MORE = NeedMore()


def choose_seats(
    *,
    tightest: Sequence[Candidate],
    neighbours: Mapping[int, Candidate] | None,
    count: int,
    complete: bool,
) -> list[Candidate] | NeedMore | None:
    """Return the `count` candidates the rule picks, None when there are not enough, or NEED_MORE.

    `tightest` are the first candidates in the rule's order (fewest legs, then seat number);
    `complete` says they are all of them. `neighbours` are the candidates among the seats
    within `count - 1` numbers of any of `tightest`, so that every run holding one of them
    can be seen; None when they have not been read, and then NEED_MORE asks for them.
    """
    if count == 1:
        if tightest:
            return [tightest[0]]
        return None if complete else NEED_MORE
    if complete and len(tightest) < count:
        return None
    if complete:
        # Every candidate is among the tightest: a neighbour can only be one of them.
        neighbours = {}
    known = {candidate.seat_number: candidate for candidate in (*(neighbours or {}).values(), *tightest)}
    best: tuple[int, int] | None = None  # (total length, first seat) of the best run seen
    for candidate in tightest:
        for first in range(candidate.seat_number - count + 1, candidate.seat_number + 1):
            run = [known.get(seat) for seat in range(first, first + count)]
            if all(run):
                total = sum(seat.length for seat in run if seat)
                if best is None or (total, first) < best:
                    best = (total, first)
    if neighbours is None:
        if best is not None and run_beats_unseen(best=best, tightest=tightest, count=count):
            return [known[seat] for seat in range(best[1], best[1] + count)]
        return NEED_MORE
    if complete or (best is not None and run_is_settled(best=best, last=tightest[-1], count=count)):
        if best is not None:
            return [known[seat] for seat in range(best[1], best[1] + count)]
        if complete:
            return sorted(tightest[:count], key=lambda candidate: candidate.seat_number)
    return NEED_MORE


def run_is_settled(*, best: tuple[int, int], last: Candidate, count: int) -> bool:
    """Return whether no run of candidates after `last` in the rule's order can beat `best`.

    Such a run has only seats after `last`: each spans at least `last.length` legs, and one
    that spans exactly as many has a higher number than `last`.
    """
    total, first = best
    least_unseen = count * last.length
    return total < least_unseen or (total == least_unseen and first <= last.seat_number)


def run_beats_unseen(*, best: tuple[int, int], tightest: Sequence[Candidate], count: int) -> bool:
    """Return whether no run holding a candidate after the `tightest` can beat `best`, a run among them.

    Such a run holds a seat that spans at least as many legs as the last of the tightest; its
    other seats span at least as many as the first. When it spans exactly as many as the last,
    that seat's number is higher than the last's, and so is the run's first seat but count - 1.
    """
    total, first = best
    last = tightest[-1]
    least_total = last.length + (count - 1) * tightest[0].length
    return total < least_total or (total == least_total and first < last.seat_number - count + 2)


def stretches_left(candidate: Candidate, *, from_position: int, to_position: int) -> list[tuple[int, int]]:
    """Return the free stretches a seat keeps once the segment is sold from its `candidate` stretch."""
    left = [(candidate.from_position, from_position)] if candidate.from_position < from_position else []
    right = [(to_position, candidate.to_position)] if to_position < candidate.to_position else []
    return left + right


def free_stretches(*, sold: Sequence[tuple[int, int]], leg_count: int) -> list[tuple[int, int]]:
    """Return the maximal free stretches of a seat sold on segments `sold`, on a route of `leg_count` legs."""
    stretches: list[tuple[int, int]] = []
    start = 0
    for sold_from, sold_to in sorted(sold):
        if start < sold_from:
            stretches.append((start, sold_from))
        start = max(start, sold_to)
    if start < leg_count:
        stretches.append((start, leg_count))
    return stretches
