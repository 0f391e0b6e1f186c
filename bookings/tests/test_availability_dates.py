"""GET /user/get_seat_availability/ on a date: which journey each train makes, when, and its seats."""

import datetime
from collections.abc import Iterator

import pytest
import time_machine

from bookings.services import booking_create
from bookings.tests.client_calls import AVAILABILITY_URL, book, next_url
from railway.tests.bodies import error_body
from trains.models import ServiceException, Station, Stop, Train
from trains.selectors import runs_on_from
from trains.services import train_route_replace

TODAY = datetime.date(2026, 11, 26)  # a Thursday
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC)):
        yield


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def timetable(train: Train, *, departs_at: datetime.time | None = None, times=None, **fields) -> Train:
    """Give the train a start time, stop times (arrival, departure) and running dates."""
    if departs_at is not None:
        train.departs_at = departs_at
    for name, value in fields.items():
        setattr(train, name, value)
    train.save()
    if times is not None:
        route = list(
            Stop.objects.filter(train=train).order_by("position").values_list("station__name", flat=True)
        )
        train_route_replace(train=train, stops=route, times=times)
    return train


def search(client, source: str, destination: str, **params):
    return client.get(AVAILABILITY_URL, {"source": source, "destination": destination, **params})


def found(client, source: str, destination: str, **params) -> list[dict]:
    response = search(client, source, destination, **params)
    assert response.status_code == 200, response.content
    return response.json()


def seats_on(client, source: str, destination: str, **params) -> dict[int, int]:
    return {
        row["train_number"]: row["available_seats"] for row in found(client, source, destination, **params)
    }


@pytest.fixture
def night_train(make_train) -> Train:
    """Leaves Delhi at 20:00, calls at Agra 02:50-03:00 and Jhansi 06:00 the next morning; Thursdays only."""
    return timetable(
        make_train(12, 5, "Delhi", "Agra", "Jhansi", name="Night Mail"),
        departs_at=datetime.time(20, 0),
        runs_on=runs_on_from([TODAY.weekday()]),
        times=[(None, 0 * HOUR), (6 * HOUR + 50 * MINUTE, 7 * HOUR), (10 * HOUR, None)],
    )


# --- The date ------------------------------------------------------------------------


def test_without_a_date_it_answers_for_today(owner_client, make_train):
    make_train(7, 4, "Alpha", "Omega")

    rows = found(owner_client, "Alpha", "Omega")

    assert rows == found(owner_client, "Alpha", "Omega", journey_date="2026-11-26")
    assert [(row["journey_date"], row["departure"]) for row in rows] == [
        ("2026-11-26", "2026-11-26T00:00:00Z")
    ]


def test_the_counts_are_those_of_the_journey_on_the_date_asked(owner, owner_client, other_client, make_train):
    make_train(7, 10, "Alpha", "Beta", "Omega")
    booking_create(user=owner, train_number=7, seat_count=3, journey_date=day(1))
    booking_create(user=owner, train_number=7, seat_count=2, journey_date=day(2), source="Beta")

    for client in (owner_client, other_client):
        assert seats_on(client, "Alpha", "Omega") == {7: 10}
        assert seats_on(client, "Alpha", "Omega", journey_date="2026-11-27") == {7: 7}
        assert seats_on(client, "Alpha", "Beta", journey_date="2026-11-28") == {7: 10}
        assert seats_on(client, "Beta", "Omega", journey_date="2026-11-28") == {7: 8}
        assert seats_on(client, "Alpha", "Omega", journey_date="2026-11-29") == {7: 10}


def test_it_needs_a_token_for_any_date(anon_client, make_train):
    make_train(7, 4)

    response = search(anon_client, "Alpha", "Omega", journey_date="2026-11-27")

    assert response.status_code == 401


def test_a_train_that_does_not_start_that_day_is_absent(owner_client, make_train):
    make_train(1, 4, "Alpha", "Omega")
    timetable(make_train(2, 4, "Alpha", "Omega"), runs_on=runs_on_from([0, 2, 4]))  # Mon, Wed, Fri
    timetable(make_train(3, 4, "Alpha", "Omega"), service_until=day(1))
    ServiceException.objects.create(train=make_train(4, 4, "Alpha", "Omega"), date=day(1), runs=False)
    extra = timetable(make_train(5, 4, "Alpha", "Omega"), runs_on=0)  # only on the dates added
    ServiceException.objects.create(train=extra, date=day(2), runs=True)

    assert list(seats_on(owner_client, "Alpha", "Omega")) == [1, 3, 4]  # Thursday
    assert list(seats_on(owner_client, "Alpha", "Omega", journey_date="2026-11-27")) == [1, 2, 3]  # Friday
    assert list(seats_on(owner_client, "Alpha", "Omega", journey_date="2026-11-28")) == [1, 4, 5]  # Saturday


def test_an_overnight_train_is_found_from_an_intermediate_stop_on_the_next_day(owner_client, night_train):
    (row,) = found(owner_client, "agra", "JHANSI", journey_date="2026-11-27")

    assert row == {
        "train_number": 12,
        "name": "Night Mail",
        "source": "Delhi",
        "destination": "Jhansi",
        "total_seats": 5,
        "available_seats": 5,
        "journey_date": "2026-11-26",
        "departure": "2026-11-27T03:00:00Z",
        "arrival": "2026-11-27T06:00:00Z",
        "classes": [{"travel_class": "GEN", "available_seats": 5, "fare": "0.00"}],
    }
    # From its first station it leaves on its start date; on Thursday it reaches Agra from no
    # journey, since it starts on Thursdays only.
    (from_delhi,) = found(owner_client, "Delhi", "Agra")
    assert (from_delhi["journey_date"], from_delhi["departure"]) == ("2026-11-26", "2026-11-26T20:00:00Z")
    assert from_delhi["arrival"] == "2026-11-27T02:50:00Z"
    assert found(owner_client, "Agra", "Jhansi") == []


def test_the_journey_date_of_a_row_is_the_one_that_books_it(owner_client, night_train):
    (row,) = found(owner_client, "Agra", "Jhansi", journey_date="2026-11-27")

    booked = book(owner_client, 12, 2, source="Agra", destination="Jhansi", journey_date=row["journey_date"])

    assert booked.status_code == 201, booked.content
    assert seats_on(owner_client, "Agra", "Jhansi", journey_date="2026-11-27") == {12: 3}
    assert seats_on(owner_client, "Delhi", "Jhansi") == {12: 3}
    assert seats_on(owner_client, "Delhi", "Agra") == {12: 5}


def test_times_are_written_in_the_time_zone_of_their_station(owner_client, night_train):
    Station.objects.update(time_zone="Asia/Kolkata")

    (row,) = found(owner_client, "Agra", "Jhansi", journey_date="2026-11-27")

    # 20:00 in Delhi, plus seven hours: 03:00 there the next day.
    assert (row["departure"], row["arrival"]) == ("2026-11-27T03:00:00+05:30", "2026-11-27T06:00:00+05:30")


# --- Order and pages -----------------------------------------------------------------


@pytest.fixture
def timetabled_trains(make_train) -> None:
    """Seven trains from Pune via Lonavala to Mumbai, leaving Lonavala at different times but two."""
    leaving = {70: (6, 0), 20: (9, 30), 50: (9, 30), 10: (13, 15), 40: (18, 0), 30: (23, 45), 60: (22, 0)}
    for number, (hour, minute) in leaving.items():
        timetable(
            make_train(number, 3, "Pune", "Lonavala", "Mumbai"),
            departs_at=datetime.time(hour, minute),
            times=[(None, 0 * HOUR), (HOUR, HOUR + 5 * MINUTE), (3 * HOUR, None)],
        )
    make_train(80, 3, "Mumbai", "Lonavala", "Pune")


def test_it_lists_trains_by_departure_then_by_number(owner_client, timetabled_trains):
    rows = found(owner_client, "Lonavala", "Mumbai")

    assert [row["train_number"] for row in rows] == [30, 70, 20, 50, 10, 40, 60]
    assert [row["departure"] for row in rows] == [
        "2026-11-26T00:50:00Z",
        "2026-11-26T07:05:00Z",
        "2026-11-26T10:35:00Z",
        "2026-11-26T10:35:00Z",
        "2026-11-26T14:20:00Z",
        "2026-11-26T19:05:00Z",
        "2026-11-26T23:05:00Z",
    ]
    # 30 leaves Pune at 23:45 and Lonavala after midnight: today it makes yesterday's journey.
    assert [row["journey_date"] for row in rows] == ["2026-11-25"] + ["2026-11-26"] * 6


@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_the_next_links_walk_every_train_once_in_order(owner_client, timetabled_trains, limit):
    everything = found(owner_client, "Lonavala", "Mumbai", journey_date="2026-11-27")
    walked, url = [], f"http://testserver{AVAILABILITY_URL}?source=Lonavala&destination=Mumbai&limit={limit}"
    url += "&journey_date=2026-11-27"
    while url is not None:
        response = owner_client.get(url)
        assert response.status_code == 200, response.content
        assert 1 <= len(response.json()) <= limit
        walked += response.json()
        url = next_url(response)

    assert walked == everything
    assert len(walked) == 7


def test_the_next_link_keeps_the_date_the_walk_started_on(owner_client, timetabled_trains):
    # Tomorrow train 20, the last of the first page, does not run: it has no place in that answer.
    ServiceException.objects.create(train=Train.objects.get(train_number=20), date=day(1), runs=False)
    first = search(owner_client, "Lonavala", "Mumbai", limit=3)

    with time_machine.travel(datetime.datetime(2026, 11, 27, 0, 30, tzinfo=datetime.UTC)):
        rest = owner_client.get(next_url(first))

    assert "journey_date=2026-11-26" in next_url(first)
    assert [row["train_number"] for row in first.json()] == [30, 70, 20]
    assert rest.status_code == 200, rest.content
    assert [row["train_number"] for row in rest.json()] == [50, 10, 40]


def test_it_refuses_to_continue_after_a_train_that_does_not_run_that_day(owner_client, timetabled_trains):
    ServiceException.objects.create(train=Train.objects.get(train_number=20), date=day(1), runs=False)

    assert search(owner_client, "Lonavala", "Mumbai", after=20).status_code == 200
    response = search(owner_client, "Lonavala", "Mumbai", after=20, journey_date="2026-11-27")

    assert response.status_code == 400
    body = error_body(response)
    assert set(body) == {"after", "code"}
    assert body["code"] == "after_not_listed"


# --- Refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "tomorrow",
        "2026-11-31",
        "2026-1-5",
        "20261126",
        "2026-W48-4",
        "26-11-2026",
        "2026-11-26T00:00",
        " 2026-11-26",
        "2026-11-26\n",
        "1999-12-31",
        "3000-01-01",
    ],
)
def test_it_rejects_a_journey_date_that_is_not_a_plain_date_in_range(owner_client, make_train, value):
    make_train(7, 4)

    response = search(owner_client, "Alpha", "Omega", journey_date=value)

    assert response.status_code == 400
    body = error_body(response)
    assert set(body) == {"journey_date", "code"}
    assert body["code"] == "invalid"


@pytest.mark.parametrize("value", ["2000-01-01", "2999-12-31"])
def test_it_answers_for_the_first_and_the_last_date_it_accepts(owner_client, night_train, value):
    timetable(night_train, runs_on=runs_on_from(range(7)))

    for source in ("Delhi", "Agra"):
        rows = found(owner_client, source, "Jhansi", journey_date=value)
        assert [row["train_number"] for row in rows] == [12]
