"""Choosing seats for a segment: the one seat rule, as pure functions over free stretches.

A candidate is a seat of the booking's class free on every leg of the segment, with the free
stretch that covers the segment on that seat. The rule, in order of what matters most:

1. A group sits together in one coach whenever the segment has such a run free: seats of
   consecutive numbers, all candidates, none past the end of its coach.
2. Then each passenger's wished position (window, lower...) is met where a free seat allows,
   never at the cost of a refusal or of splitting a group that could sit together. A group
   with no run still shares one coach when a coach has enough candidates.
3. Then best fit, which keeps seat utilisation high: prefer the seats whose free stretch hugs
   the segment most tightly (the fewest legs, so the least slack either side), so that long
   free stretches stay whole for long journeys; ties go to the lowest seat number. Among runs,
   the least total slack wins, ties to the lowest first seat.

`party_seats` applies the whole rule to every candidate at once and hands each passenger a
seat; `preferences_met` says whose wish their seat meets. `choose_seats` is the same rule for
a party with no wishes, deciding from the tightest candidates first and asking for more only
when they cannot settle it, so that a sale reads a handful of rows however many seats a
journey has. A group looks at the seats next to the tightest (their neighbours) only when a
run holding one of those could beat the best run among the tightest themselves.
"""

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
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
    coach_starts: Sequence[int] = (),
) -> list[Candidate] | NeedMore | None:
    """Return the `count` candidates the rule picks, None when there are not enough, or NEED_MORE.

    `tightest` are the first candidates in the rule's order (fewest legs, then seat number);
    `complete` says they are all of them. `neighbours` are the candidates among the seats
    within `count - 1` numbers of any of `tightest`, so that every run holding one of them
    can be seen; None when they have not been read, and then NEED_MORE asks for them.
    `coach_starts` are the first seat numbers of the train's coaches, in order: a run counts
    only within one coach. With no run anywhere, the group gets `party_seats` of every
    candidate, so that it still shares a coach when one has room for it.
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
            if all(run) and in_one_coach(first=first, last=first + count - 1, coach_starts=coach_starts):
                total = sum(seat.length for seat in run if seat)
                if best is None or (total, first) < best:
                    best = (total, first)
    # Runs that cross a coach are left out of what both bounds below compare with; those
    # bounds hold for every run, so they hold for the runs that count.
    if neighbours is None:
        if best is not None and run_beats_unseen(best=best, tightest=tightest, count=count):
            return [known[seat] for seat in range(best[1], best[1] + count)]
        return NEED_MORE
    if complete or (best is not None and run_is_settled(best=best, last=tightest[-1], count=count)):
        if best is not None:
            return [known[seat] for seat in range(best[1], best[1] + count)]
        if complete:
            return party_seats(
                candidates=tightest,
                coach_starts=coach_starts,
                preferences=[None] * count,
                position_of=_no_position,
            )
    return NEED_MORE


def _no_position(seat_number: int) -> str:
    """The position of every seat, for a party whose passengers want none."""
    return ""


def coach_of(seat_number: int, *, coach_starts: Sequence[int]) -> int:
    """Return which coach holds `seat_number`: how many coaches start at or before it."""
    return bisect_right(coach_starts, seat_number)


def in_one_coach(*, first: int, last: int, coach_starts: Sequence[int]) -> bool:
    """Return whether seats `first` to `last` share a coach: none starts after `first`, up to `last`."""
    return bisect_right(coach_starts, first) == bisect_right(coach_starts, last)


def party_seats(
    *,
    candidates: Sequence[Candidate],
    coach_starts: Sequence[int],
    preferences: Sequence[str | None],
    position_of: Callable[[int], str],
) -> list[Candidate] | None:
    """Return a seat for each passenger, in the passengers' order, or None when there are not enough.

    `candidates` are every candidate of the booking's class; `preferences` holds each
    passenger's wanted position (None for no wish), `position_of` gives a seat number's
    position, and `coach_starts` the first seat numbers of the train's coaches, in order.
    The tiers come first, so that a wish never splits a party that could sit together:

    1. a run of consecutive seat numbers in one coach: the one meeting the most wishes, then
       the least total length, then the lowest first seat;
    2. else seats in one coach: in each coach with room, the seats meeting the most wishes
       with the least total length (`tightest_meeting`); the coaches compare by wishes met,
       total length, then lowest seat;
    3. else the same choice among every candidate.

    Wishes met count as the most passengers that can have their position among the seats:
    for each position, the fewer of those wanting it and the seats having it.
    """
    count = len(preferences)
    if len(candidates) < count:
        return None
    if not count:
        return []
    position = {candidate.seat_number: position_of(candidate.seat_number) for candidate in candidates}
    wanting = Counter(preference for preference in preferences if preference is not None)
    by_fit = sorted(candidates, key=lambda candidate: (candidate.length, candidate.seat_number))
    chosen = (
        _best_run(by_fit, count=count, coach_starts=coach_starts, wanting=wanting, position=position)
        or _best_coach(by_fit, count=count, coach_starts=coach_starts, wanting=wanting, position=position)
        or tightest_meeting(by_fit, count=count, wanting=wanting, position=position)
    )
    return _seat_passengers(chosen, preferences=preferences, position=position)


def preferences_met(
    *, seats: Sequence[Candidate], preferences: Sequence[str | None], position_of: Callable[[int], str]
) -> list[bool | None]:
    """Return, for each passenger, whether their seat is at the position wanted; None for no wish."""
    return [
        None if preference is None else position_of(seat.seat_number) == preference
        for seat, preference in zip(seats, preferences, strict=True)
    ]


def wishes_met(seats: Sequence[Candidate], *, wanting: Mapping[str, int], position: Mapping[int, str]) -> int:
    """Return how many wishes `seats` can meet: per position, the fewer of those wanting and having it.

    Each passenger wants one position, so passengers and seats match only within a position,
    and this sum is the largest matching.
    """
    having = Counter(position[seat.seat_number] for seat in seats)
    return sum(min(wanted, having[wanted_position]) for wanted_position, wanted in wanting.items())


def tightest_meeting(
    by_fit: Sequence[Candidate], *, count: int, wanting: Mapping[str, int], position: Mapping[int, str]
) -> list[Candidate] | None:
    """Return the `count` of `by_fit` (in the rule's order) meeting the most wishes, least total length.

    For each position, the tightest seats having it, as many as passengers want it (or as it
    has), then the tightest of the rest. This is optimal for (wishes met, total length): with
    `m_p` the fewer of the wishes for p and the seats having p, no choice meets more than the
    sum of the `m_p`, this one does, and a choice does so exactly when it holds `m_p` seats of
    each p. Take an optimal choice: if it misses one of the `m_p` tightest seats of p, it holds
    `m_p` seats of p, so one of them is not among those tightest; swapping that seat for the
    missed one keeps every `m_p` and adds no length. Once it holds all the reserved seats, its
    others are free of any constraint, and the tightest of the rest cost least. One pass over
    `by_fit`, so a class of a few thousand seats is read once per coach and once in all.
    """
    if len(by_fit) < count:
        return None
    taken: Counter[str] = Counter()
    reserved: list[Candidate] = []
    rest: list[Candidate] = []
    for candidate in by_fit:
        candidate_position = position[candidate.seat_number]
        if taken[candidate_position] < wanting.get(candidate_position, 0):
            taken[candidate_position] += 1
            reserved.append(candidate)
        elif len(rest) < count:
            rest.append(candidate)
    return reserved + rest[: count - len(reserved)]


def _best_run(
    by_fit: Sequence[Candidate],
    *,
    count: int,
    coach_starts: Sequence[int],
    wanting: Mapping[str, int],
    position: Mapping[int, str],
) -> list[Candidate] | None:
    """Return the run of `count` consecutive seat numbers in one coach that tier 1 picks, or None.

    One pass in seat order, keeping the window's total length and how many of its seats have
    each wished position, so that a class of a few thousand seats costs a few thousand steps.
    """
    by_number = sorted(by_fit, key=lambda candidate: candidate.seat_number)
    best: tuple[int, int, int] | None = None  # (- wishes met, total length, first seat)
    best_index = 0
    low, total = 0, 0
    having: Counter[str] = Counter()
    for index, candidate in enumerate(by_number):
        seat = candidate.seat_number
        if index > low and not (
            by_number[index - 1].seat_number == seat - 1
            and in_one_coach(first=seat - 1, last=seat, coach_starts=coach_starts)
        ):
            low, total = index, 0
            having.clear()
        total += candidate.length
        if position[seat] in wanting:
            having[position[seat]] += 1
        if index - low == count:
            dropped = by_number[low]
            total -= dropped.length
            if position[dropped.seat_number] in wanting:
                having[position[dropped.seat_number]] -= 1
            low += 1
        if index - low + 1 == count:
            met = sum(min(wanted, having[wanted_position]) for wanted_position, wanted in wanting.items())
            score = (-met, total, by_number[low].seat_number)
            if best is None or score < best:
                best, best_index = score, low
    return None if best is None else by_number[best_index : best_index + count]


def _best_coach(
    by_fit: Sequence[Candidate],
    *,
    count: int,
    coach_starts: Sequence[int],
    wanting: Mapping[str, int],
    position: Mapping[int, str],
) -> list[Candidate] | None:
    """Return the seats in one coach that tier 2 picks, or None when no coach has `count` candidates."""
    coaches: dict[int, list[Candidate]] = {}
    for candidate in by_fit:
        coaches.setdefault(coach_of(candidate.seat_number, coach_starts=coach_starts), []).append(candidate)
    best: tuple[int, int, int] | None = None  # (- wishes met, total length, lowest seat)
    best_seats = None
    for in_coach in coaches.values():
        seats = tightest_meeting(in_coach, count=count, wanting=wanting, position=position)
        if seats is None:
            continue
        score = (
            -wishes_met(seats, wanting=wanting, position=position),
            sum(candidate.length for candidate in seats),
            min(candidate.seat_number for candidate in seats),
        )
        if best is None or score < best:
            best, best_seats = score, seats
    return best_seats


def _seat_passengers(
    seats: Sequence[Candidate], *, preferences: Sequence[str | None], position: Mapping[int, str]
) -> list[Candidate]:
    """Return `seats` handed to the passengers in their order, meeting as many wishes as the seats can.

    In the passengers' order, each with a wish takes the lowest seat left at that position, if
    any; then the others take the seats left, lowest first. Per position, that meets the fewer
    of the wishes and the seats, which is the most there is.
    """
    by_number = sorted(seats, key=lambda candidate: candidate.seat_number)
    at_position: dict[str, list[Candidate]] = {}
    for seat in reversed(by_number):
        at_position.setdefault(position[seat.seat_number], []).append(seat)
    handed: list[Candidate | None] = [None] * len(preferences)
    for passenger, preference in enumerate(preferences):
        if preference is not None and at_position.get(preference):
            handed[passenger] = at_position[preference].pop()
    given = {seat.seat_number for seat in handed if seat is not None}
    left = iter(seat for seat in by_number if seat.seat_number not in given)
    return [seat if seat is not None else next(left) for seat in handed]


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
