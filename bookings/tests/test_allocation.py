"""Property tests of the seat rule, read a few candidates at a time, against the reference allocator.

The engine reads the tightest candidates first and more only when the rule asks for them
(bookings.inventory.seats_choose). Whatever the occupancy, the seats it ends up with must
be those the reference allocator picks when it looks at every seat at once.
"""

from collections.abc import Sequence

from hypothesis import example, given
from hypothesis import strategies as st

from bookings.allocation import (
    NEED_MORE,
    Candidate,
    choose_seats,
    free_stretches,
    run_beats_unseen,
    run_is_settled,
    stretches_left,
)
from bookings.tests import reference_allocation


def candidates_of(
    sold: dict[int, list[tuple[int, int]]], *, total_seats: int, leg_count: int, segment: tuple[int, int]
) -> list[Candidate]:
    """Return every seat's free stretch covering the segment, in the rule's order (fewest legs, seat)."""
    first, last = segment
    covering = [
        Candidate(seat, start, end)
        for seat in range(1, total_seats + 1)
        for start, end in free_stretches(sold=sold.get(seat, []), leg_count=leg_count)
        if start <= first and last <= end
    ]
    return sorted(covering, key=lambda candidate: (candidate.length, candidate.seat_number))


def choose_reading_a_few_at_a_time(
    candidates: list[Candidate], *, count: int, first_look: int, coach_starts: Sequence[int] = ()
) -> list[int] | None:
    """Drive choose_seats as the engine does: a prefix of the candidates, growing until the rule settles."""
    by_seat = {candidate.seat_number: candidate for candidate in candidates}
    size = 1 if count == 1 else first_look
    neighbours = None
    while True:
        tightest = candidates[:size]
        chosen = choose_seats(
            tightest=tightest,
            neighbours=neighbours,
            count=count,
            complete=len(tightest) < size,
            coach_starts=coach_starts,
        )
        if chosen is not NEED_MORE:
            return None if chosen is None else sorted(candidate.seat_number for candidate in chosen)
        if neighbours is None and count > 1:
            near = {s for c in tightest for s in range(c.seat_number - count + 1, c.seat_number + count)}
            neighbours = {seat: by_seat[seat] for seat in near if seat in by_seat}
        else:
            size *= 2
            neighbours = None


@st.composite
def occupancies(draw: st.DrawFn):
    leg_count = draw(st.integers(1, 8))
    total_seats = draw(st.integers(1, 30))
    segment = st.integers(0, leg_count - 1).flatmap(
        lambda start: st.tuples(st.just(start), st.integers(start + 1, leg_count))
    )
    sold: dict[int, list[tuple[int, int]]] = {}
    for seat in range(1, total_seats + 1):
        for start, end in draw(st.lists(segment, max_size=3)):
            # Only segments that do not overlap what the seat already has sold.
            if all(end <= other_start or other_end <= start for other_start, other_end in sold.get(seat, [])):
                sold.setdefault(seat, []).append((start, end))
    return leg_count, total_seats, sold, draw(segment), draw(st.integers(1, 6)), draw(st.integers(1, 12))


def reference_choice(sold, *, total_seats: int, leg_count: int, segment: tuple[int, int], count: int):
    occupied = {
        seat: sum(1 << leg for start, end in legs for leg in range(start, end)) for seat, legs in sold.items()
    }
    chosen = reference_allocation.choose_seats(
        occupied=occupied,
        total_seats=total_seats,
        leg_count=leg_count,
        from_position=segment[0],
        to_position=segment[1],
        count=count,
    )
    return None if chosen is None else sorted(chosen)


@given(occupancy=occupancies())
@example(occupancy=(3, 4, {}, (0, 3), 2, 1))
@example(occupancy=(4, 6, {1: [(0, 1)], 3: [(3, 4)], 5: [(0, 2)]}, (1, 3), 2, 1))
def test_reading_the_tightest_candidates_first_picks_what_the_reference_picks_from_all(occupancy):
    leg_count, total_seats, sold, segment, count, first_look = occupancy
    candidates = candidates_of(sold, total_seats=total_seats, leg_count=leg_count, segment=segment)
    assert choose_reading_a_few_at_a_time(candidates, count=count, first_look=first_look) == reference_choice(
        sold, total_seats=total_seats, leg_count=leg_count, segment=segment, count=count
    )


def test_a_single_seat_is_settled_by_the_first_candidate_alone():
    tightest = [Candidate(7, 2, 3)]
    assert choose_seats(tightest=tightest, neighbours={}, count=1, complete=False) == tightest


def test_a_group_on_an_empty_train_is_settled_by_its_first_look_without_its_neighbours():
    tightest = [Candidate(seat, 0, 5) for seat in range(1, 9)]
    chosen = choose_seats(tightest=tightest, neighbours=None, count=2, complete=False)
    assert [candidate.seat_number for candidate in chosen] == [1, 2]


def test_a_group_asks_for_the_neighbours_while_a_run_with_one_of_them_could_be_tighter():
    # Seats 1 and 3 span one leg, 5 and 6 two: seats 1 and 2 would span three if seat 2 spans
    # two legs, as the unseen candidates may, and beat 5-6's four.
    tightest = [Candidate(1, 1, 2), Candidate(3, 1, 2), Candidate(5, 0, 2), Candidate(6, 0, 2)]
    assert choose_seats(tightest=tightest, neighbours=None, count=2, complete=False) is NEED_MORE
    chosen = choose_seats(tightest=tightest, neighbours={2: Candidate(2, 0, 2)}, count=2, complete=False)
    assert [candidate.seat_number for candidate in chosen] == [1, 2]


def test_a_run_ties_with_an_unseen_one_only_when_that_one_starts_no_lower():
    tightest = [Candidate(seat, 0, 3) for seat in (2, 3, 7)]
    assert run_beats_unseen(best=(6, 2), tightest=tightest, count=2)
    # A run of seats 7 and 8 (unseen, spanning three legs) would total 6 too, and start at 7.
    assert not run_beats_unseen(best=(6, 7), tightest=tightest, count=2)
    assert not run_beats_unseen(best=(7, 1), tightest=tightest, count=2)


def test_a_run_is_not_settled_while_an_unseen_run_could_be_as_tight_with_a_lower_first_seat():
    assert not run_is_settled(best=(4, 9), last=Candidate(5, 0, 2), count=2)
    assert run_is_settled(best=(4, 3), last=Candidate(5, 0, 2), count=2)
    assert run_is_settled(best=(3, 9), last=Candidate(5, 0, 2), count=2)


def test_no_run_of_a_few_candidates_asks_for_more():
    tightest = [Candidate(1, 0, 2), Candidate(3, 0, 2)]
    assert choose_seats(tightest=tightest, neighbours={}, count=2, complete=False) is NEED_MORE
    chosen = choose_seats(tightest=tightest, neighbours={}, count=2, complete=True)
    assert [candidate.seat_number for candidate in chosen] == [1, 3]


def test_selling_a_segment_keeps_the_free_legs_either_side():
    stretch = Candidate(4, 0, 9)
    assert stretches_left(stretch, from_position=3, to_position=5) == [(0, 3), (5, 9)]
    assert stretches_left(stretch, from_position=0, to_position=9) == []


def test_free_stretches_are_the_gaps_between_sold_segments():
    assert free_stretches(sold=[(2, 4), (6, 7)], leg_count=9) == [(0, 2), (4, 6), (7, 9)]
    assert free_stretches(sold=[(0, 9)], leg_count=9) == []
    assert free_stretches(sold=[], leg_count=3) == [(0, 3)]
