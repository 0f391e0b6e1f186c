"""Stations by identity: a code or a name wherever the API takes a station, and names that repeat."""

import datetime

import pytest
import time_machine

from bookings.tests.client_calls import AVAILABILITY_URL, book
from railway.tests.bodies import error_body
from trains.models import Station, Train
from trains.services import station_create, train_create, train_route_replace

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_centrals(db):
    """Two stations named Central in two towns, each on a train to its own harbour."""
    north = station_create(code="NCEN", name="Central")
    south = station_create(code="SCEN", name="Central")
    north_harbour = station_create(code="NHAR", name="North Harbour")
    south_harbour = station_create(code="SHAR", name="South Harbour")
    train_with_route(1, [north, north_harbour])
    train_with_route(2, [south, south_harbour])
    return north, south


def train_with_route(number, stations):
    train = Train.objects.create(train_number=number, total_seats=5)
    train_route_replace(train=train, stops=stations)
    return train


def search(client, source, destination):
    return client.get(AVAILABILITY_URL, {"source": source, "destination": destination})


def test_the_search_takes_a_station_code_in_any_case(owner_client, two_centrals):
    response = search(owner_client, "ncen", "NHAR")

    assert response.status_code == 200, response.content
    assert [row["train_number"] for row in response.json()] == [1]


def test_the_search_takes_a_name_ignoring_case_accents_and_dashes(owner_client, make_train):
    make_train(7, 5, "Zürich HB", "Sankt Gallen")

    response = search(owner_client, "ZURICH hb", "sankt-gallen")

    assert [row["train_number"] for row in response.json()] == [7]


def test_the_search_refuses_a_name_two_stations_have_listing_their_codes(owner_client, two_centrals):
    response = search(owner_client, "central", "NHAR")

    assert response.status_code == 400
    assert error_body(response) == {
        "source": ["Several stations are named 'central': pass one of their codes instead (NCEN, SCEN)."],
        "code": "ambiguous_station",
        "codes": ["NCEN", "SCEN"],
    }


def test_the_search_for_an_unknown_station_is_an_empty_list(owner_client, two_centrals):
    response = search(owner_client, "Atlantis", "NHAR")

    assert response.status_code == 200
    assert response.json() == []


def test_a_code_wins_over_a_name(owner_client, two_centrals):
    # A station whose code is another station's name: the code names it.
    station_create(code="Central", name="Old Central")

    response = search(owner_client, "central", "NHAR")

    assert response.status_code == 200
    assert response.json() == []


@time_machine.travel(datetime.datetime(2026, 11, 26, 0, 5, tzinfo=datetime.UTC))
def test_book_seat_takes_the_codes_of_its_route(owner_client, two_centrals):
    response = book(owner_client, 2, 1, source="scen", destination="SHAR")

    assert response.status_code == 201, response.content
    assert (response.json()["source"], response.json()["destination"]) == ("Central", "South Harbour")


@time_machine.travel(datetime.datetime(2026, 11, 26, 0, 5, tzinfo=datetime.UTC))
def test_book_seat_finds_a_name_on_the_route_though_other_stations_have_it(owner_client, two_centrals):
    response = book(owner_client, 1, 1, source="Central", destination="north harbour")

    assert response.status_code == 201, response.content
    assert response.json()["source"] == "Central"


@time_machine.travel(datetime.datetime(2026, 11, 26, 0, 5, tzinfo=datetime.UTC))
def test_book_seat_refuses_the_code_of_a_station_off_the_route(owner_client, two_centrals):
    response = book(owner_client, 1, 1, source="SCEN")

    assert response.status_code == 400
    assert error_body(response)["code"] == "source_not_on_route"


@time_machine.travel(datetime.datetime(2026, 11, 26, 0, 5, tzinfo=datetime.UTC))
def test_book_seat_refuses_a_name_two_stations_of_the_route_have(owner_client):
    first, second = station_create(code="C1", name="Central"), station_create(code="C2", name="central")
    end = station_create(code="END", name="End")
    train_with_route(9, [first, second, end])

    response = book(owner_client, 9, 1, source="CENTRAL", destination="End")

    assert response.status_code == 400
    assert error_body(response) == {
        "source": ["Several stations are named 'CENTRAL': pass one of their codes instead (C1, C2)."],
        "code": "ambiguous_station",
        "codes": ["C1", "C2"],
    }
    assert book(owner_client, 9, 1, source="c2", destination="End").status_code == 201


def test_add_train_refuses_a_name_several_stations_have(admin_client_api, two_centrals):
    response = admin_client_api.post(
        "/add_train/",
        {"train_number": 30, "source": "Central", "destination": "Elsewhere", "total_seats": 5},
        format="json",
    )

    assert response.status_code == 400
    body = error_body(response)
    assert (body["code"], body["codes"]) == ("ambiguous_station", ["NCEN", "SCEN"])
    assert not Station.objects.filter(name="Elsewhere").exists()


def test_add_train_uses_the_one_station_of_a_name_and_creates_new_ones_with_codes(admin_client_api):
    surat = station_create(code="ST", name="Surat")

    response = admin_client_api.post(
        "/add_train/",
        {"train_number": 31, "source": "surat", "destination": "Vadodara Jn.", "total_seats": 5},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Station.objects.filter(name="Surat").get() == surat
    assert Station.objects.get(name="Vadodara Jn.").code == "VADODARAJN"


def test_a_new_station_takes_the_next_code_when_its_names_code_is_taken(db):
    station_create(code="SURAT", name="Surat Old Town")

    train = train_create(train_number=32, source="Surat", destination="Surat-Bis", total_seats=5)

    codes = dict(Station.objects.filter(stops__train=train).values_list("name", "code"))
    assert codes == {"Surat": "SURAT2", "Surat-Bis": "SURATBIS"}
