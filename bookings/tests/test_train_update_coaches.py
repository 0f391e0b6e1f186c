"""train_update keeps a train's coaches holding exactly its seats."""

import pytest

from bookings.network_changes import train_update
from trains.coach_plans import CoachPlan
from trains.errors import CoachesInvalid
from trains.models import Coach, Train
from trains.services import train_coach_plans, train_seating_set

pytestmark = pytest.mark.django_db


def test_a_train_with_the_default_coaches_has_them_resized(make_train):
    train = make_train(101, 200)

    train_update(train=train, train_number=101, name="", total_seats=201)

    assert train_coach_plans(train=train) == [CoachPlan("C1", "GEN", 200), CoachPlan("C2", "GEN", 1)]
    assert Train.objects.get(pk=train.pk).total_seats == 201


def test_a_train_with_named_coaches_keeps_its_seats_unless_its_coaches_change(make_train):
    train = make_train(101, 80)
    coaches = [CoachPlan("B1", "3A", 72, "berths-8"), CoachPlan("D1", "2S", 8)]
    train_seating_set(train=train, total_seats=80, coaches=coaches)

    with pytest.raises(CoachesInvalid) as refused:
        train_update(train=train, train_number=101, name="", total_seats=90)
    train_update(
        train=train, train_number=101, name="", total_seats=90, coaches=[*coaches, CoachPlan("D2", "2S", 10)]
    )

    assert refused.value.code == "seats_mismatch"
    assert Train.objects.get(pk=train.pk).total_seats == 90
    assert list(Coach.objects.filter(train=train).order_by("position").values_list("coach", flat=True)) == [
        "B1",
        "D1",
        "D2",
    ]


def test_a_train_made_without_coaches_gets_the_default_ones_on_its_next_change():
    train = Train.objects.create(train_number=7, total_seats=30)

    train_update(train=train, train_number=7, name="", total_seats=30)

    assert train_coach_plans(train=train) == [CoachPlan("C1", "GEN", 30)]
