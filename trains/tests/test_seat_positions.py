"""A seat's position follows from its coach's layout and its number in the coach."""

import pytest

from trains.seat_positions import LAYOUT_POSITIONS, POSITIONS, seat_position


def positions(layout: str, seats: int) -> list[str]:
    return [seat_position(layout=layout, seat_in_coach=number) for number in range(1, seats + 1)]


def test_a_2x2_row_is_window_aisle_aisle_window():
    assert positions("seats-2x2", 8) == ["window", "aisle", "aisle", "window"] * 2


def test_a_3x2_row_is_window_middle_aisle_aisle_window():
    assert positions("seats-3x2", 10) == ["window", "middle", "aisle", "aisle", "window"] * 2


def test_a_coupe_of_four_is_lower_upper_lower_upper():
    assert positions("berths-4", 8) == ["lower", "upper", "lower", "upper"] * 2


def test_a_bay_of_six_has_two_side_berths():
    assert positions("berths-6", 7) == [
        "lower",
        "upper",
        "lower",
        "upper",
        "side_lower",
        "side_upper",
        "lower",
    ]


def test_a_bay_of_eight_has_middle_berths_and_two_side_berths():
    assert positions("berths-8", 9) == [
        "lower",
        "middle",
        "upper",
        "lower",
        "middle",
        "upper",
        "side_lower",
        "side_upper",
        "lower",
    ]


def test_the_72nd_berth_of_a_sleeper_coach_is_a_side_upper():
    assert seat_position(layout="berths-8", seat_in_coach=72) == "side_upper"


def test_the_positions_are_those_the_layouts_name():
    assert set(POSITIONS) == {position for pattern in LAYOUT_POSITIONS.values() for position in pattern}
    assert set(POSITIONS) == {"window", "aisle", "middle", "lower", "upper", "side_lower", "side_upper"}


def test_seats_are_numbered_from_1_in_their_coach():
    with pytest.raises(ValueError, match="from 1"):
        seat_position(layout="seats-2x2", seat_in_coach=0)


def test_an_unknown_layout_has_no_positions():
    with pytest.raises(KeyError):
        seat_position(layout="seats-9x9", seat_in_coach=1)
