"""Local time everywhere: each station has its time zone, and every time of a train there is written in it.

A train's `departs_at` and its journey's date are read at its first station. As in GTFS, a
journey starts `departs_at` after noon minus 12 hours of its date there, and reaches each stop
the stop's elapsed time later; "today", for the booking window, is the date at the boarding
station.
"""

import datetime

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bookings.models import Booking
from bookings.tests.client_calls import AVAILABILITY_URL, book, booked, next_url
from conftest import client_for
from railway.tests.bodies import error_body
from trains.models import Station, Train
from trains.services import train_route_replace

MINUTE = datetime.timedelta(minutes=1)

pytestmark = pytest.mark.django_db


def at(moment: str):
    """Stop the clock at an ISO 8601 instant."""
    return time_machine.travel(datetime.datetime.fromisoformat(moment), tick=False)


def timetabled(
    make_train, number: int, departs_at: datetime.time, calls: list[tuple[str, str, int]]
) -> Train:
    """Create a train calling at (station, time zone, minutes after the start) in order."""
    names = [name for name, _, _ in calls]
    train = make_train(number, 10, *names)
    for name, time_zone, _ in calls:
        Station.objects.filter(name=name).update(time_zone=time_zone)
    train.departs_at = departs_at
    train.save(update_fields=["departs_at"])
    offsets = [minutes * MINUTE for _, _, minutes in calls]
    times = [(None, offsets[0]), *((offset, offset) for offset in offsets[1:-1]), (offsets[-1], None)]
    train_route_replace(train=train, stops=names, times=times)
    return train


def times_found(client, source: str, destination: str, journey_date: str) -> list[tuple[str, str, str]]:
    response = client.get(
        AVAILABILITY_URL, {"source": source, "destination": destination, "journey_date": journey_date}
    )
    assert response.status_code == 200, response.content
    return [(row["journey_date"], row["departure"], row["arrival"]) for row in response.json()]


@pytest.fixture
def paris_lyon(make_train) -> Train:
    """Leaves Paris at 06:53 and reaches Lyon 2 h 04 min later, every day."""
    return timetabled(
        make_train, 6601, datetime.time(6, 53), [("Paris", "Europe/Paris", 0), ("Lyon", "Europe/Paris", 124)]
    )


# --- Times in the API -----------------------------------------------------------------------


def test_a_paris_train_in_december_is_written_with_the_paris_offset(owner_client, paris_lyon):
    assert times_found(owner_client, "Paris", "Lyon", "2026-12-11") == [
        ("2026-12-11", "2026-12-11T06:53:00+01:00", "2026-12-11T08:57:00+01:00")
    ]


def test_each_time_carries_the_offset_of_its_own_station(owner_client, make_train):
    # 07:01 in London is 08:01 in Paris; 2 h 19 min later it is 10:20 there.
    timetabled(
        make_train,
        9010,
        datetime.time(7, 1),
        [("London", "Europe/London", 0), ("Paris", "Europe/Paris", 139)],
    )

    assert times_found(owner_client, "London", "Paris", "2026-12-11") == [
        ("2026-12-11", "2026-12-11T07:01:00Z", "2026-12-11T10:20:00+01:00")
    ]


def test_an_indian_train_is_written_in_india_time(owner_client, make_train):
    timetabled(
        make_train,
        12951,
        datetime.time(17, 0),
        [
            ("Mumbai Central", "Asia/Kolkata", 0),
            ("Surat", "Asia/Kolkata", 180),
            ("New Delhi", "Asia/Kolkata", 935),
        ],
    )

    assert times_found(owner_client, "Surat", "New Delhi", "2026-12-24") == [
        ("2026-12-24", "2026-12-24T20:00:00+05:30", "2026-12-25T08:35:00+05:30")
    ]


# --- The nights the clocks change ----------------------------------------------------------


@pytest.fixture
def night_owl(make_train) -> Train:
    """Starts at 01:30 from Paris and reaches Lyon two hours later, every night."""
    return timetabled(
        make_train, 5001, datetime.time(1, 30), [("Paris", "Europe/Paris", 0), ("Lyon", "Europe/Paris", 120)]
    )


def test_on_the_night_the_clocks_go_forward_times_count_from_noon_minus_twelve_hours(owner_client, night_owl):
    # Noon on 28 March 2027 is 12:00+02:00, so its times count from 23:00+01:00 the evening before:
    # 01:30 after it is 00:30 on the clock, and two hours later the clock says 03:30.
    ((journey_date, departure, arrival),) = times_found(owner_client, "Paris", "Lyon", "2027-03-28")

    assert (journey_date, departure, arrival) == (
        "2027-03-28",
        "2027-03-28T00:30:00+01:00",
        "2027-03-28T03:30:00+02:00",
    )
    elapsed = datetime.datetime.fromisoformat(arrival) - datetime.datetime.fromisoformat(departure)
    assert elapsed == datetime.timedelta(hours=2)


def test_on_the_night_the_clocks_go_back_times_count_from_noon_minus_twelve_hours(owner_client, night_owl):
    # Noon on 25 October 2026 is 12:00+01:00, so its times count from 01:00+02:00 that night: the
    # train leaves at the first 02:30 and arrives two hours later, at 03:30 winter time.
    assert times_found(owner_client, "Paris", "Lyon", "2026-10-25") == [
        ("2026-10-25", "2026-10-25T02:30:00+02:00", "2026-10-25T03:30:00+01:00")
    ]


def test_on_other_nights_times_count_from_midnight(owner_client, night_owl):
    assert times_found(owner_client, "Paris", "Lyon", "2027-03-27") == [
        ("2027-03-27", "2027-03-27T01:30:00+01:00", "2027-03-27T03:30:00+01:00")
    ]


def test_a_journey_is_sold_until_the_instant_it_leaves_on_a_night_the_clocks_change(owner, night_owl):
    with at("2027-03-27T23:29:00+00:00"):
        # A token of that day: tokens expire.
        client = client_for(owner)
        assert book(client, 5001, journey_date="2027-03-28").status_code == 201
    with at("2027-03-27T23:30:00+00:00"):
        refused = book(client, 5001, journey_date="2027-03-28")

    body = error_body(refused)
    assert body["code"] == "train_departed"
    assert "2027-03-28T00:30:00+01:00" in body["journey_date"][0]


# --- Today at the station -------------------------------------------------------------------


def test_a_booking_without_a_date_rides_todays_journey_at_the_first_station(owner_client, make_train):
    make_train(7, 5, "Howrah", "New Delhi")
    Station.objects.update(time_zone="Asia/Kolkata")

    # 20:00 in UTC on the 26th is 01:30 on the 27th in India.
    with at("2026-11-26T20:00:00+00:00"):
        booking = booked(owner_client, 7)
        rows = owner_client.get(AVAILABILITY_URL, {"source": "Howrah", "destination": "New Delhi"}).json()

    assert booking["journey_date"] == "2026-11-27"
    assert [(row["journey_date"], row["departure"]) for row in rows] == [
        ("2026-11-27", "2026-11-27T00:00:00+05:30")
    ]


def test_the_next_page_of_a_search_without_a_date_stays_on_today_at_the_source(owner_client, make_train):
    make_train(7, 5, "Howrah", "New Delhi")
    make_train(8, 5, "Howrah", "New Delhi")
    Station.objects.update(time_zone="Asia/Kolkata")

    with at("2026-11-26T20:00:00+00:00"):
        first = owner_client.get(
            AVAILABILITY_URL, {"source": "Howrah", "destination": "New Delhi", "limit": 1}
        )

    assert [row["journey_date"] for row in first.json()] == ["2026-11-27"]
    assert "journey_date=2026-11-27" in next_url(first)


def test_a_date_past_at_the_boarding_station_is_refused_though_utc_is_still_on_it(owner_client, make_train):
    make_train(7, 5, "Howrah", "New Delhi")
    Station.objects.update(time_zone="Asia/Kolkata")

    with at("2026-11-26T19:00:00+00:00"):
        refused = book(owner_client, 7, journey_date="2026-11-26")

    body = error_body(refused)
    assert body["code"] == "journey_date_past"
    assert "book a journey from today (2026-11-27) on" in body["journey_date"][0]


def test_a_journey_is_sold_while_it_is_still_today_at_a_station_west_of_utc(owner_client, make_train):
    timetabled(
        make_train,
        66,
        datetime.time(22, 0),
        [("New York", "America/New_York", 0), ("Washington", "America/New_York", 180)],
    )

    # 02:00 in UTC on the 27th is 21:00 on the 26th in New York.
    with at("2026-11-27T02:00:00+00:00"):
        sold = book(owner_client, 66, journey_date="2026-11-26")
    with at("2026-11-27T03:00:00+00:00"):
        refused = book(owner_client, 66, journey_date="2026-11-26")

    assert sold.status_code == 201, sold.content
    body = error_body(refused)
    assert body["code"] == "train_departed"
    assert "2026-11-26T22:00:00-05:00" in body["journey_date"][0]


def test_a_booking_on_a_train_without_times_is_cancelled_until_its_date_ends_at_the_station(
    owner_client, make_train
):
    make_train(7, 5, "Howrah", "New Delhi")
    Station.objects.update(time_zone="Asia/Kolkata")
    with at("2026-11-26T10:00:00+00:00"):
        first, second = booked(owner_client, 7), booked(owner_client, 7)

    # Midnight in India is 18:30 in UTC.
    with at("2026-11-26T18:29:00+00:00"):
        cancelled = owner_client.post(f"/user/cancel_booking/{first['booking_id']}/")
    with at("2026-11-26T18:31:00+00:00"):
        refused = owner_client.post(f"/user/cancel_booking/{second['booking_id']}/")

    assert cancelled.status_code == 200, cancelled.content
    assert error_body(refused)["code"] == "train_departed"
    assert Booking.objects.get(pk=second["booking_id"]).status == "confirmed"


# --- Stations that were there before time zones --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_puts_existing_stations_in_time_zone_so_their_trains_keep_their_times(
    settings, owner_client
):
    executor = MigrationExecutor(connection)
    executor.migrate([("trains", "0001_initial")])
    apps = executor.loader.project_state([("trains", "0001_initial")]).apps
    old_station, old_train, old_stop = (
        apps.get_model("trains", name) for name in ("Station", "Train", "Stop")
    )
    train = old_train.objects.create(train_number=12951, total_seats=5, departs_at=datetime.time(20, 0))
    for position, (name, departure) in enumerate([("Delhi", 0), ("Agra", None)]):
        station = old_station.objects.create(name=name, key=name.casefold())
        arrival = None if departure == 0 else 3 * 60 * MINUTE
        departure = None if departure is None else departure * MINUTE
        old_stop.objects.create(
            train=train, station=station, position=position, arrival=arrival, departure=departure
        )
    # The deployment wrote its trains' times in India time.
    settings.TIME_ZONE = "Asia/Kolkata"

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert dict(Station.objects.values_list("name", "time_zone")) == {
        "Delhi": "Asia/Kolkata",
        "Agra": "Asia/Kolkata",
    }
    # 20:00 in India, as before: 14:30 in UTC.
    assert times_found(owner_client, "Delhi", "Agra", "2026-12-24") == [
        ("2026-12-24", "2026-12-24T20:00:00+05:30", "2026-12-24T23:00:00+05:30")
    ]
