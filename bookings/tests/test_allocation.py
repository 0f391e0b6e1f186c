"""Property tests of the pure seat allocator against a deliberately naive reference model."""

from dataclasses import dataclass

from hypothesis import example, given
from hypothesis import strategies as st

from bookings.allocation import choose_seats, segment_mask


@dataclass(frozen=True)
class Request:
    """A train's occupancy (seat -> set of sold legs) and a booking request on one segment."""

    total_seats: int
    leg_count: int
    sold_legs: dict[int, frozenset[int]]
    from_position: int
    to_position: int
    count: int

    @property
    def occupied(self) -> dict[int, int]:
        """Return the occupancy as the allocator takes it: seat -> bit mask of sold legs."""
        return {seat: sum(1 << leg for leg in legs) for seat, legs in self.sold_legs.items() if legs}

    @property
    def legs(self) -> range:
        return range(self.from_position, self.to_position)

    def is_free(self, seat: int) -> bool:
        return not self.sold_legs.get(seat, frozenset()) & set(self.legs)

    def free(self) -> list[int]:
        return [seat for seat in range(1, self.total_seats + 1) if self.is_free(seat)]

    def free_runs(self) -> list[list[int]]:
        """Return every run of `count` consecutive seat numbers free on the whole segment."""
        free = set(self.free())
        runs = [list(range(first, first + self.count)) for first in sorted(free)]
        return [run for run in runs if free.issuperset(run)]

    def stranded_legs(self, seat: int) -> int:
        """Count the free legs directly before and after the segment on this seat."""
        sold = self.sold_legs.get(seat, frozenset())
        before = 0
        while self.from_position - before - 1 >= 0 and self.from_position - before - 1 not in sold:
            before += 1
        after = 0
        while self.to_position + after < self.leg_count and self.to_position + after not in sold:
            after += 1
        return before + after

    def choose(self) -> list[int] | None:
        return choose_seats(
            occupied=self.occupied,
            total_seats=self.total_seats,
            leg_count=self.leg_count,
            from_position=self.from_position,
            to_position=self.to_position,
            count=self.count,
        )


@st.composite
def requests(draw: st.DrawFn, count: st.SearchStrategy[int] | None = None) -> Request:
    """Draw a small train with arbitrary sold legs per seat and a request; `count` may be fixed."""
    total_seats = draw(st.integers(1, 12))
    leg_count = draw(st.integers(1, 12))
    sold_legs = draw(
        st.dictionaries(
            st.integers(1, total_seats),
            st.frozensets(st.integers(0, leg_count - 1)),
            max_size=total_seats,
        )
    )
    from_position = draw(st.integers(0, leg_count - 1))
    to_position = draw(st.integers(from_position + 1, leg_count))
    count = draw(st.integers(1, total_seats + 2) if count is None else count)
    return Request(total_seats, leg_count, sold_legs, from_position, to_position, count)


def group_beside_a_seat_stranding(legs: int) -> Request:
    """Return a pair wanted on legs 5-6 of 12, where seats 1 and 3 fit exactly and seat 2,
    between them, strands `legs` legs (2 to 4): apart, the pair would strand none."""
    around = {2: frozenset({3, 8}), 3: frozenset({2, 8}), 4: frozenset({2, 9})}[legs]
    exact = frozenset({4, 7})
    return Request(3, 12, {1: exact, 2: around, 3: exact}, 5, 7, 2)


@given(requests())
def test_it_returns_none_exactly_when_too_few_seats_are_free_on_the_segment(case: Request):
    assert (case.choose() is None) == (len(case.free()) < case.count)


@given(requests())
def test_chosen_seats_are_distinct_in_range_free_on_every_leg_and_as_many_as_asked(case: Request):
    seats = case.choose()
    if seats is None:
        return
    assert len(seats) == case.count
    assert len(set(seats)) == len(seats)
    assert all(1 <= seat <= case.total_seats for seat in seats)
    assert all(case.is_free(seat) for seat in seats)


@given(requests())
@example(group_beside_a_seat_stranding(4))
def test_it_chooses_consecutive_seats_whenever_a_free_run_exists(case: Request):
    seats = case.choose()
    if seats is None or not case.free_runs():
        return
    assert sorted(seats) == list(range(min(seats), min(seats) + case.count))


@given(requests())
@example(group_beside_a_seat_stranding(3))
@example(group_beside_a_seat_stranding(4))
def test_a_group_gets_the_free_run_stranding_fewest_legs_lowest_first_seat_on_ties(case: Request):
    seats = case.choose()
    runs = case.free_runs()
    if seats is None or not runs:
        return
    best = min(runs, key=lambda run: (sum(map(case.stranded_legs, run)), run[0]))
    assert sorted(seats) == best


@given(requests(count=st.just(1)))
def test_a_single_seat_is_the_free_seat_that_strands_the_fewest_legs(case: Request):
    seats = case.choose()
    if seats is None:
        assert not case.free()
        return
    (seat,) = seats
    assert case.stranded_legs(seat) == min(case.stranded_legs(free) for free in case.free())


@given(requests())
def test_without_a_free_run_it_takes_the_lowest_seats_among_those_stranding_the_fewest_legs(case: Request):
    seats = case.choose()
    if seats is None or case.free_runs():
        return
    best = sorted(case.free(), key=lambda seat: (case.stranded_legs(seat), seat))[: case.count]
    assert sorted(seats) == sorted(best)


@given(st.integers(0, 62).flatmap(lambda start: st.tuples(st.just(start), st.integers(start + 1, 63))))
def test_the_segment_mask_covers_exactly_the_legs_ridden(segment: tuple[int, int]):
    from_position, to_position = segment
    mask = segment_mask(from_position, to_position)
    assert {leg for leg in range(63) if mask >> leg & 1} == set(range(from_position, to_position))


def test_a_pair_sits_together_even_when_that_strands_more_legs_than_sitting_apart():
    assert group_beside_a_seat_stranding(4).choose() == [1, 2]
