"""A train's timetable: the weekdays and dates it starts on, and each stop's times after its start."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

from bookings.services import booking_create
from trains.models import ServiceException, Stop, Train
from trains.selectors import runs_on_from, train_starts_on, weekdays_of
from trains.services import stop_times_validate
from trains.tests.admin_forms import change_url, errors_of, train_form

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


# --- Edited with the train in the admin ---------------------------------------------------


def timetable_form(**overrides) -> dict:
    data = train_form(
        train_number=22691, total_seats=20, stops=[(0, "Bengaluru"), (1, "Nagpur"), (2, "Delhi")]
    )
    data.update(
        {
            "departs_at": "20:15",
            "weekdays": [0, 3],
            "service_from": "2026-12-01",
            "service_until": "2027-03-31",
            "stops-0-departure": "0:00:00",
            "stops-1-arrival": "15:40:00",
            "stops-1-departure": "15:50:00",
            "stops-2-arrival": "33:05:00",
            "service_exceptions-TOTAL_FORMS": 1,
            "service_exceptions-0-date": "2026-12-24",
            "service_exceptions-0-runs": "",
        }
    )
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_superuser_sets_the_timetable_with_the_train(superuser_client):
    response = superuser_client.post("/admin/trains/train/add/", timetable_form())

    assert response.status_code == 302, errors_of(response)
    train = Train.objects.get(train_number=22691)
    assert (train.departs_at, weekdays_of(train.runs_on)) == (datetime.time(20, 15), [0, 3])
    assert (train.service_from, train.service_until) == (
        datetime.date(2026, 12, 1),
        datetime.date(2027, 3, 31),
    )
    times = list(Stop.objects.filter(train=train).order_by("position").values_list("arrival", "departure"))
    assert times == [
        (None, 0 * HOURS),
        (15 * HOURS + 40 * MINUTES, 15 * HOURS + 50 * MINUTES),
        (33 * HOURS + 5 * MINUTES, None),
    ]
    assert not train_starts_on(train=train, day=datetime.date(2026, 12, 24))  # a Thursday, taken out
    assert train_starts_on(train=train, day=datetime.date(2026, 12, 3))  # a Thursday


@pytest.mark.django_db
def test_the_admin_refuses_times_that_go_back_along_the_route(superuser_client):
    response = superuser_client.post(
        "/admin/trains/train/add/", timetable_form(**{"stops-2-arrival": "15:00:00"})
    )

    assert response.status_code == 200
    assert "Stop 2&#x27;s times go back" in errors_of(response)
    assert not Train.objects.filter(train_number=22691).exists()


@pytest.mark.django_db
def test_a_train_with_no_weekday_runs_only_on_the_dates_listed(superuser_client):
    data = timetable_form(**{"service_exceptions-0-runs": "on"})
    del data["weekdays"]

    response = superuser_client.post("/admin/trains/train/add/", data)

    assert response.status_code == 302, errors_of(response)
    train = Train.objects.get(train_number=22691)
    assert train.runs_on == 0
    assert [train_starts_on(train=train, day=day(offset)) for offset in range(7)] == [False] * 7
    assert train_starts_on(train=train, day=datetime.date(2026, 12, 24))


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC))
def test_a_booked_train_keeps_its_stops_but_its_times_may_change(superuser_client, owner):
    assert superuser_client.post("/admin/trains/train/add/", timetable_form()).status_code == 302
    train = Train.objects.get(train_number=22691)
    # A Thursday in its dates of service.
    booking_create(
        user=owner,
        train_number=22691,
        seat_count=1,
        journey_date=datetime.date(2026, 12, 3),
        source="Bengaluru",
        destination="Nagpur",
    )
    stops = list(Stop.objects.filter(train=train).order_by("position"))
    data = timetable_form(**{"stops-1-arrival": "16:00:00", "stops-1-departure": "16:10:00"})
    data.update({"stops-INITIAL_FORMS": 3, "service_exceptions-TOTAL_FORMS": 0})
    for index, stop in enumerate(stops):
        data[f"stops-{index}-id"], data[f"stops-{index}-train"] = stop.pk, train.pk

    response = superuser_client.post(change_url(train), data)

    assert response.status_code == 302, errors_of(response)
    assert Stop.objects.get(train=train, position=1).arrival == 16 * HOURS
