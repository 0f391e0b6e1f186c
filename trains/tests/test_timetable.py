"""A train's timetable: the weekdays and dates it starts on, and each stop's times after its start."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

from trains.models import ServiceException, Stop, Train
from trains.selectors import runs_on_from, train_starts_on, weekdays_of
from trains.services import stop_times_validate

MONDAY = datetime.date(2026, 11, 23)
HOURS = datetime.timedelta(hours=1)
MINUTES = datetime.timedelta(minutes=1)


def day(offset: int) -> datetime.date:
    return MONDAY + datetime.timedelta(days=offset)


# --- Running days -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_train_runs_every_day(make_train):
    train = make_train(7, 4, "Alpha", "Beta")

    assert all(train_starts_on(train=train, day=day(offset)) for offset in range(7))


@pytest.mark.django_db
def test_a_train_starts_only_on_its_weekdays(make_train):
    train = make_train(7, 4, "Alpha", "Beta")
    train.runs_on = runs_on_from([0, 2, 4])  # Monday, Wednesday, Friday
    train.save()

    assert [train_starts_on(train=train, day=day(offset)) for offset in range(7)] == [
        True, False, True, False, True, False, False
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_train_starts_only_within_its_dates_of_service(make_train):
    train = make_train(7, 4, "Alpha", "Beta")
    train.service_from, train.service_until = day(1), day(3)
    train.save()

    assert [train_starts_on(train=train, day=day(offset)) for offset in range(5)] == [
        False, True, True, True, False
    ]  # fmt: skip


@pytest.mark.django_db
def test_an_exception_adds_or_removes_one_date_whatever_the_pattern_says(make_train):
    train = make_train(7, 4, "Alpha", "Beta")
    train.runs_on, train.service_until = runs_on_from([0]), day(10)
    train.save()
    ServiceException.objects.create(train=train, date=day(0), runs=False)  # a Monday, cancelled
    ServiceException.objects.create(train=train, date=day(1), runs=True)  # a Tuesday, added
    ServiceException.objects.create(train=train, date=day(14), runs=True)  # past the last date, added

    assert not train_starts_on(train=train, day=day(0))
    assert train_starts_on(train=train, day=day(1))
    assert train_starts_on(train=train, day=day(7))
    assert train_starts_on(train=train, day=day(14))


def test_weekday_masks_round_trip():
    assert weekdays_of(runs_on_from([6, 0, 0, 3])) == [0, 3, 6]
    assert runs_on_from(list(range(7))) == 127


# --- The database keeps the timetable sane ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"runs_on": 128},
        {"service_from": day(3), "service_until": day(2)},
    ],
)
def test_the_database_refuses_an_impossible_running_pattern(make_train, change):
    train = make_train(7, 4, "Alpha", "Beta")

    with pytest.raises(IntegrityError), transaction.atomic():
        Train.objects.filter(pk=train.pk).update(**change)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "times", [{"arrival": 2 * HOURS, "departure": HOURS}, {"arrival": -MINUTES}, {"departure": -MINUTES}]
)
def test_the_database_refuses_a_stop_that_leaves_before_it_arrives_or_before_the_start(make_train, times):
    train = make_train(7, 4, "Alpha", "Beta")

    with pytest.raises(IntegrityError), transaction.atomic():
        Stop.objects.filter(train=train, position=1).update(**times)


@pytest.mark.django_db
def test_the_same_date_cannot_be_an_exception_twice(make_train):
    train = make_train(7, 4, "Alpha", "Beta")
    ServiceException.objects.create(train=train, date=day(0), runs=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceException.objects.create(train=train, date=day(0), runs=True)


# --- Stop times follow the route ----------------------------------------------------------


def test_times_may_run_past_midnight_and_an_intermediate_stop_may_have_one_time():
    stop_times_validate(
        times=[
            (None, 0 * HOURS),
            (3 * HOURS, 3 * HOURS + 5 * MINUTES),
            (None, 20 * HOURS),
            (26 * HOURS, None),
        ]
    )


def test_a_route_without_any_time_is_accepted():
    stop_times_validate(times=[(None, None)] * 3)


@pytest.mark.parametrize(
    ("times", "message"),
    [
        ([(None, HOURS), (2 * HOURS, None)], "The first stop departs at 0:00"),
        ([(None, 0 * HOURS), (2 * HOURS, 3 * HOURS), (None, None)], "The last stop needs an arrival"),
        ([(None, 0 * HOURS), (None, None), (2 * HOURS, None)], "Stop 1 needs an arrival or a departure"),
        ([(None, 0 * HOURS), (3 * HOURS, 3 * HOURS), (2 * HOURS, None)], "Stop 2's times go back"),
    ],
)
def test_times_that_do_not_follow_the_route_are_refused_with_a_reason(times, message):
    with pytest.raises(ValidationError) as refused:
        stop_times_validate(times=times)

    assert any(message in str(error) for error in refused.value.detail["stops"])
