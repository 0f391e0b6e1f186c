"""The bench's seeding allocator hands out valid seats: never two sales of a seat on one leg."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.journey_seats import JourneySeats
from bookings.allocation import free_stretches
from bookings.tests.reference_allocation import choose_seats, segment_mask


@st.composite
def journeys_and_requests(draw):
    leg_count = draw(st.integers(min_value=1, max_value=12))
    total_seats = draw(st.integers(min_value=1, max_value=12))
    segment = st.integers(min_value=0, max_value=leg_count - 1).flatmap(
        lambda start: st.tuples(st.just(start), st.integers(min_value=start + 1, max_value=leg_count))
    )
    requests = draw(st.lists(st.tuples(segment, st.integers(min_value=1, max_value=3)), max_size=40))
    return total_seats, leg_count, requests


@settings(max_examples=300, deadline=None)
@given(journeys_and_requests())
def test_it_sells_only_seats_free_on_the_segment_and_refuses_only_when_too_few_are(case):
    total_seats, leg_count, requests = case
    seats = JourneySeats(total_seats=total_seats, leg_count=leg_count)
    occupied: dict[int, int] = {}

    for (from_position, to_position), count in requests:
        wanted = segment_mask(from_position, to_position)
        free = [seat for seat in range(1, total_seats + 1) if not occupied.get(seat, 0) & wanted]
        assert seats.seats_free(from_position=from_position, to_position=to_position) == len(free)

        sold = seats.sell(from_position=from_position, to_position=to_position, count=count)

        if len(free) < count:
            assert sold is None
            continue
        assert sold is not None and len(set(sold)) == count and set(sold) <= set(free)
        for seat in sold:
            occupied[seat] = occupied.get(seat, 0) | wanted

    assert seats.free_stretches() == [
        (seat, first, last)
        for seat in range(1, total_seats + 1)
        for first, last in free_stretches(
            sold=[(leg, leg + 1) for leg in range(leg_count) if occupied.get(seat, 0) >> leg & 1],
            leg_count=leg_count,
        )
    ]
    assert seats.busiest_leg_sold() == max(
        (sum(mask >> leg & 1 for mask in occupied.values()) for leg in range(leg_count)), default=0
    )


@settings(max_examples=300, deadline=None)
@given(journeys_and_requests())
def test_a_single_seat_is_the_one_the_engine_rule_picks(case):
    total_seats, leg_count, requests = case
    seats = JourneySeats(total_seats=total_seats, leg_count=leg_count)
    occupied: dict[int, int] = {}

    for (from_position, to_position), _ in requests:
        expected = choose_seats(
            occupied=occupied,
            total_seats=total_seats,
            leg_count=leg_count,
            from_position=from_position,
            to_position=to_position,
            count=1,
        )

        assert seats.sell(from_position=from_position, to_position=to_position, count=1) == expected

        for seat in expected or ():
            occupied[seat] = occupied.get(seat, 0) | segment_mask(from_position, to_position)
