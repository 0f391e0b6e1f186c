"""A train whose coaches are not named has its seats in GEN coaches of up to 200 seats."""

import pytest

from trains.coach_plans import CoachPlan, default_coaches


def test_a_train_of_up_to_200_seats_has_one_coach_c1():
    assert default_coaches(total_seats=100) == [CoachPlan(coach="C1", travel_class="GEN", seats=100)]
    assert default_coaches(total_seats=200) == [CoachPlan(coach="C1", travel_class="GEN", seats=200)]


def test_a_larger_train_has_coaches_of_200_the_last_holding_the_rest():
    coaches = default_coaches(total_seats=450)

    assert [(coach.coach, coach.seats) for coach in coaches] == [("C1", 200), ("C2", 200), ("C3", 50)]
    assert {(coach.travel_class, coach.layout) for coach in coaches} == {("GEN", "seats-2x2")}


@pytest.mark.parametrize("total_seats", [1, 199, 200, 201, 400, 9_999, 10_000])
def test_every_seat_is_in_a_coach(total_seats):
    coaches = default_coaches(total_seats=total_seats)

    assert sum(coach.seats for coach in coaches) == total_seats
    assert all(1 <= coach.seats <= 200 for coach in coaches)


def test_the_largest_train_has_50_coaches():
    assert len(default_coaches(total_seats=10_000)) == 50
