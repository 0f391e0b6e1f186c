"""The train admin's timetable: running days, dates of service and stop times, set with the train."""

import datetime

import pytest
import time_machine

from bookings.services import booking_create
from bookings.tests.admin_forms import change_url, errors_of, train_form
from trains.models import Stop, Train
from trains.selectors import train_starts_on, weekdays_of

MONDAY = datetime.date(2026, 11, 23)
HOURS = datetime.timedelta(hours=1)
MINUTES = datetime.timedelta(minutes=1)


def day(offset: int) -> datetime.date:
    return MONDAY + datetime.timedelta(days=offset)


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
