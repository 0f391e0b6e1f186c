"""A train's seats are numbered train-wide, coach after coach; each is also a number in its coach."""

import pytest

from trains.seat_numbers import coach_seat_ranges, seat_in_coach

# B1 and B2 of 72 berths, then a coach of 10.
COACHES = [72, 72, 10]


@pytest.mark.parametrize(
    ("seat_number", "coach_and_number"),
    [(1, (0, 1)), (72, (0, 72)), (73, (1, 1)), (144, (1, 72)), (145, (2, 1)), (154, (2, 10))],
)
def test_a_train_wide_number_is_a_coach_and_a_number_in_it(seat_number, coach_and_number):
    assert seat_in_coach(coach_seats=COACHES, seat_number=seat_number) == coach_and_number


def test_every_seat_of_the_train_is_in_exactly_one_coach_in_order():
    seats = [seat_in_coach(coach_seats=COACHES, seat_number=number) for number in range(1, 155)]

    assert seats == [(coach, number) for coach, size in enumerate(COACHES) for number in range(1, size + 1)]


@pytest.mark.parametrize("seat_number", [0, -1, 155])
def test_a_number_outside_the_train_is_no_seat(seat_number):
    with pytest.raises(ValueError):
        seat_in_coach(coach_seats=COACHES, seat_number=seat_number)


def test_each_coach_holds_the_range_of_train_wide_numbers_its_seats_have():
    ranges = coach_seat_ranges(coach_seats=COACHES)

    assert ranges == [(1, 72), (73, 144), (145, 154)]
    for index, (first, last) in enumerate(ranges):
        assert seat_in_coach(coach_seats=COACHES, seat_number=first) == (index, 1)
        assert seat_in_coach(coach_seats=COACHES, seat_number=last) == (index, COACHES[index])
