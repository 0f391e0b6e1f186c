"""`make run`'s demo network: bookable trains with their timetables, loaded again without harm."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from trains.models import Station, Stop, Train
from trains.selectors import train_route

pytestmark = pytest.mark.django_db


def test_the_demo_trains_come_with_their_routes_and_times():
    call_command("seed_demo", stdout=StringIO())

    rajdhani = Train.objects.get(train_number=12951)
    assert train_route(train=rajdhani) == [
        "Mumbai Central",
        "Surat",
        "Vadodara",
        "Ratlam",
        "Kota",
        "New Delhi",
    ]
    assert rajdhani.departs_at == datetime.time(17, 0)
    arrival_in_delhi = Stop.objects.get(train=rajdhani, position=5).arrival
    assert datetime.datetime.combine(datetime.date(2026, 1, 1), rajdhani.departs_at) + arrival_in_delhi == (
        datetime.datetime(2026, 1, 2, 8, 35)
    )


def test_the_demo_stations_keep_india_time(owner_client):
    call_command("seed_demo", stdout=StringIO())

    assert set(Station.objects.values_list("time_zone", flat=True)) == {"Asia/Kolkata"}
    response = owner_client.get(
        "/user/get_seat_availability/",
        {"source": "Surat", "destination": "Kota", "journey_date": "2026-12-24"},
    )
    # The Rajdhani leaves Mumbai at 17:00 India time and Surat three hours later.
    assert [(row["departure"], row["arrival"]) for row in response.json()] == [
        ("2026-12-24T20:00:00+05:30", "2026-12-25T03:20:00+05:30")
    ]


def test_loading_the_demo_again_changes_nothing():
    call_command("seed_demo", stdout=StringIO())
    before = list(Stop.objects.order_by("pk").values_list("pk", "train_id", "arrival", "departure"))

    call_command("seed_demo", stdout=StringIO())

    assert list(Stop.objects.order_by("pk").values_list("pk", "train_id", "arrival", "departure")) == before
    assert Train.objects.count() == 5


def test_the_demo_rajdhani_sells_two_classes_by_the_kilometre(owner_client):
    call_command("seed_demo", stdout=StringIO())

    response = owner_client.get(
        "/user/get_seat_availability/",
        {"source": "Surat", "destination": "Kota", "journey_date": "2026-12-24"},
    )

    # 655 km from Surat (263) to Kota (918): 2.10 x 655 = 1,375.50; 1.45 x 655 = 949.75.
    assert response.json()[0]["classes"] == [
        {"travel_class": "2A", "available_seats": 16, "fare": "1375.50"},
        {"travel_class": "3A", "available_seats": 24, "fare": "949.75"},
    ]
