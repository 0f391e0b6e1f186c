"""The seat rule for a party in a train of coaches: together in one coach first, then wishes, then best fit.

Each test names the part of the rule it shows; the property tests check `party_seats` against
a reference that tries every choice of seats on small trains, and the incremental
`choose_seats` against `party_seats` when no one has a wish.
"""

from hypothesis import given
from hypothesis import strategies as st

from bookings.allocation import Candidate, choose_seats, party_seats, preferences_met
from bookings.tests import reference_allocation
from bookings.tests.test_allocation import candidates_of, choose_reading_a_few_at_a_time, occupancies
from trains.seat_numbers import coach_seat_ranges, seat_in_coach
from trains.seat_positions import LAYOUT_POSITIONS, seat_position

# No coach boundaries: the seats-2x2 pattern window, aisle, aisle, window all along.
ONE_COACH = ()


def positions_of(*, coach_seats: list[int], layouts: list[str]):
    """Return a seat number's position in a train of coaches of `coach_seats` seats and `layouts`."""

    def position_of(seat_number: int) -> str:
        coach, number = seat_in_coach(coach_seats=coach_seats, seat_number=seat_number)
        return seat_position(layout=layouts[coach], seat_in_coach=number)

    return position_of


TWO_BY_TWO = positions_of(coach_seats=[100], layouts=["seats-2x2"])


def seats(*lengths_by_seat: tuple[int, int]) -> list[Candidate]:
    """Return candidates given as (seat number, legs of its free stretch)."""
    return [Candidate(seat, 0, length) for seat, length in lengths_by_seat]


def seated(candidates: list[Candidate], wishes: list[str | None], *, coach_starts=ONE_COACH):
    """Return the seats `party_seats` hands a party with `wishes`, in a train of seats-2x2 coaches."""
    return party_seats(
        candidates=candidates, coach_starts=coach_starts, preferences=wishes, position_of=TWO_BY_TWO
    )


def numbers(chosen: list[Candidate] | None) -> list[int] | None:
    return None if chosen is None else [candidate.seat_number for candidate in chosen]


def test_a_group_shares_a_coach_rather_than_take_tighter_seats_either_side_of_a_coach_end():
    # Coaches 1-4 and 5-8: seats 4 and 5 are consecutive and the tightest, but in two coaches.
    candidates = seats((4, 1), (5, 1), (2, 5))
    chosen = seated(candidates, [None, None], coach_starts=[1, 5])
    assert numbers(chosen) == [2, 4]


def test_a_run_within_a_coach_counts_and_one_across_a_coach_end_does_not():
    tightest = seats((4, 1), (5, 1), (7, 3), (8, 3))
    chosen = choose_seats(tightest=tightest, neighbours=None, count=2, complete=True, coach_starts=[1, 5])
    assert numbers(chosen) == [7, 8]
    chosen = choose_seats(tightest=tightest, neighbours=None, count=2, complete=True, coach_starts=[1])
    assert numbers(chosen) == [4, 5]


def test_reading_a_few_candidates_sees_no_run_across_a_coach_end():
    # Seats 4 and 5 fit tightest but sit either side of a coach's end; 3-4 and 5-6 take three
    # legs, which no run of the unread candidates (two legs or more each) can beat.
    tightest = seats((4, 1), (5, 1), (3, 2), (6, 2))
    chosen = choose_seats(tightest=tightest, neighbours={}, count=2, complete=False, coach_starts=[1, 5])
    assert numbers(chosen) == [3, 4]
    chosen = choose_seats(tightest=tightest, neighbours={}, count=2, complete=False, coach_starts=[1])
    assert numbers(chosen) == [4, 5]


def test_with_no_run_anywhere_choose_seats_keeps_the_group_in_one_coach():
    tightest = seats((4, 1), (5, 1), (2, 5))
    chosen = choose_seats(tightest=tightest, neighbours={}, count=2, complete=True, coach_starts=[1, 5])
    assert numbers(chosen) == [2, 4]


def test_a_group_sits_apart_across_coaches_only_when_no_coach_has_room_for_it():
    candidates = seats((2, 1), (4, 2), (6, 1))
    assert numbers(seated(candidates, [None, None, None], coach_starts=[1, 5])) == [2, 4, 6]


def test_wishes_pick_among_runs_rather_than_split_the_group():
    # Every seat is free; 2 and 3 (two aisles) fit tightest, but 4 and 5 are two windows together.
    candidates = seats((1, 4), (2, 1), (3, 1), (4, 4), (5, 4), (6, 4))
    chosen = seated(candidates, ["window", "window"])
    assert numbers(chosen) == [4, 5]
    assert preferences_met(seats=chosen, preferences=["window", "window"], position_of=TWO_BY_TWO) == [
        True,
        True,
    ]


def test_a_wish_is_given_up_rather_than_split_a_group_that_can_sit_together():
    # Seats 2 and 3 (aisles) are the only run; seat 8 is a window, away from them.
    candidates = seats((2, 3), (3, 3), (8, 1))
    chosen = seated(candidates, ["window", None])
    assert numbers(chosen) == [2, 3]
    met = preferences_met(seats=chosen, preferences=["window", None], position_of=TWO_BY_TWO)
    assert met == [False, None]


def test_each_passenger_gets_the_seat_of_their_own_wish_in_their_order():
    candidates = seats((3, 2), (4, 2), (5, 9))
    wishes = [None, "window", "aisle"]
    chosen = seated(candidates, wishes)
    # The run 3-5 is aisle, window, window: the window wish takes the lowest window, 4; the
    # aisle wish takes 3; the passenger with no wish the seat left.
    assert numbers(chosen) == [5, 4, 3]
    assert preferences_met(seats=chosen, preferences=wishes, position_of=TWO_BY_TWO) == [None, True, True]


def test_wishes_are_met_in_one_coach_when_no_run_is_free():
    # Coach 1-8 has seats 2 and 6 (aisles, tight) and 8 (a window); 8-9 crosses into coach 9-.
    candidates = seats((2, 1), (6, 1), (8, 5), (9, 1))
    chosen = seated(candidates, ["window", None], coach_starts=[1, 9])
    # The tightest pair in coach 1 is 2 and 6 (both aisles); a window wish takes 8 instead.
    assert numbers(chosen) == [8, 2]
    assert seated(candidates, [None, None], coach_starts=[1, 9]) == seats((2, 1), (6, 1))


def test_coaches_compete_on_wishes_met_before_fit():
    # No run is free. Coach 1-8 has the tightest pair, aisles 2 and 6; coach 9- a looser pair,
    # window 9 and aisle 11.
    candidates = seats((2, 1), (6, 1), (9, 3), (11, 3))
    assert numbers(seated(candidates, [None, None], coach_starts=[1, 9])) == [2, 6]
    assert numbers(seated(candidates, [None, "window"], coach_starts=[1, 9])) == [11, 9]


def test_a_party_is_refused_only_when_the_class_has_fewer_free_seats_than_passengers():
    candidates = seats((1, 1), (7, 1))
    assert seated(candidates, ["window"] * 3, coach_starts=[1, 5]) is None
    assert numbers(seated(candidates, ["upper"] * 2, coach_starts=[1, 5])) == [1, 7]


def test_a_single_passenger_gets_the_tightest_seat_at_their_wished_position_else_the_tightest():
    candidates = seats((2, 1), (3, 1), (4, 3), (1, 3))
    assert numbers(seated(candidates, ["window"])) == [1]
    assert numbers(seated(candidates, ["upper"])) == [2]
    assert numbers(seated(candidates, [None])) == [2]


@st.composite
def parties(draw: st.DrawFn):
    """A small train of 1-3 coaches, up to 14 of its seats free for the segment, and a party of 1-4."""
    coach_seats = draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))
    layouts = draw(st.lists(st.sampled_from(sorted(LAYOUT_POSITIONS)), min_size=len(coach_seats), max_size=3))
    # Every other seat at most, at times, so that no run of two is free and coaches compete.
    step = draw(st.sampled_from([1, 2]))
    free = draw(
        st.lists(
            st.integers(1, sum(coach_seats)).filter(lambda seat: seat % step == 1 % step),
            unique=True,
            max_size=14,
        )
    )
    candidates = [Candidate(seat, 0, draw(st.integers(1, 4))) for seat in free]
    wished = sorted({position for layout in layouts for position in LAYOUT_POSITIONS[layout]})
    preferences = draw(st.lists(st.none() | st.sampled_from(wished), min_size=1, max_size=4))
    return coach_seats, layouts, candidates, preferences


@given(party=parties())
def test_party_seats_reach_the_best_tier_wishes_and_fit_any_choice_of_seats_could(party):
    coach_seats, layouts, candidates, preferences = party
    position_of = positions_of(coach_seats=coach_seats, layouts=layouts)
    coach_starts = [first for first, _ in coach_seat_ranges(coach_seats=coach_seats)]
    chosen = party_seats(
        candidates=candidates, coach_starts=coach_starts, preferences=preferences, position_of=position_of
    )
    best = reference_allocation.party_choice(
        lengths={candidate.seat_number: candidate.length for candidate in candidates},
        coach_of={
            seat: seat_in_coach(coach_seats=coach_seats, seat_number=seat)[0]
            for seat in (candidate.seat_number for candidate in candidates)
        },
        position_of={candidate.seat_number: position_of(candidate.seat_number) for candidate in candidates},
        preferences=preferences,
    )
    if best is None:
        assert chosen is None
        return
    assert chosen is not None and len(chosen) == len(preferences)
    assert len({candidate.seat_number for candidate in chosen}) == len(chosen)
    assert set(chosen) <= set(candidates)
    coach_of = {seat: seat_in_coach(coach_seats=coach_seats, seat_number=seat)[0] for seat in numbers(chosen)}
    met = preferences_met(seats=chosen, preferences=preferences, position_of=position_of)
    assert reference_allocation.party_tier(numbers(chosen), coach_of=coach_of) == best.tier
    assert met.count(True) == best.met
    assert sum(candidate.length for candidate in chosen) == best.total_length
    if best.tier == 1:
        assert min(numbers(chosen)) == best.first_seat


@st.composite
def occupancies_in_coaches(draw: st.DrawFn):
    """An occupancy of test_allocation's kind, its seats cut into up to four coaches."""
    occupancy = draw(occupancies())
    total_seats = occupancy[1]
    cuts = draw(st.lists(st.integers(2, total_seats), unique=True, max_size=3)) if total_seats > 1 else []
    return occupancy, [1, *sorted(cuts)]


@given(train=occupancies_in_coaches())
def test_reading_a_few_candidates_at_a_time_picks_what_party_seats_picks_from_all_with_no_wishes(train):
    (leg_count, total_seats, sold, segment, count, first_look), coach_starts = train
    candidates = candidates_of(sold, total_seats=total_seats, leg_count=leg_count, segment=segment)
    read_a_few = choose_reading_a_few_at_a_time(
        candidates, count=count, first_look=first_look, coach_starts=coach_starts
    )
    at_once = seated(candidates, [None] * count, coach_starts=coach_starts)
    assert read_a_few == numbers(at_once)
