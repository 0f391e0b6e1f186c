"""POST /add_train/: a superuser adds a train with its route."""

import pytest
from rest_framework.test import APIClient

from railway.tests.bodies import error_body
from trains.models import Station, Stop, Train
from trains.selectors import train_route

URL = "/add_train/"


@pytest.fixture
def payload() -> dict:
    return {"train_number": 12951, "source": "Mumbai", "destination": "Delhi", "total_seats": 100}


def add_train(client: APIClient, data: object):
    return client.post(URL, data, format="json")


def test_a_superuser_adds_a_train(admin_client_api, payload):
    payload["name"] = "Rajdhani"

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert response.json() == {
        "train_number": 12951,
        "name": "Rajdhani",
        "source": "Mumbai",
        "destination": "Delhi",
        "stops": ["Mumbai", "Delhi"],
        "total_seats": 100,
        # Keys the seed contract's answer gained: a train added without coaches has one GEN coach.
        "coaches": [{"coach": "C1", "travel_class": "GEN", "seats": 100, "layout": "seats-2x2"}],
        "fares": [],
    }
    train = Train.objects.get(train_number=12951)
    assert train.total_seats == 100
    assert train_route(train=train) == ["Mumbai", "Delhi"]


def test_without_stops_the_route_is_source_then_destination(admin_client_api, payload):
    response = add_train(admin_client_api, payload)

    assert response.status_code == 201
    assert response.json()["stops"] == ["Mumbai", "Delhi"]
    assert response.json()["name"] == ""


def test_it_keeps_intermediate_stops_in_order(admin_client_api, payload):
    payload["stops"] = ["Mumbai", "Surat", "Vadodara", "Kota", "Delhi"]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert response.json()["stops"] == ["Mumbai", "Surat", "Vadodara", "Kota", "Delhi"]
    assert response.json()["source"] == "Mumbai"
    assert response.json()["destination"] == "Delhi"
    train = Train.objects.get(train_number=12951)
    assert list(Stop.objects.filter(train=train).values_list("position", flat=True)) == [0, 1, 2, 3, 4]


def test_the_new_train_is_bookable_between_intermediate_stops(admin_client_api, payload):
    payload["stops"] = ["Mumbai", "Surat", "Kota", "Delhi"]
    add_train(admin_client_api, payload)

    availability = admin_client_api.get(
        "/user/get_seat_availability/", {"source": "surat", "destination": "KOTA"}
    )
    booking = admin_client_api.post(
        "/user/book_seat/",
        {"train_number": 12951, "seat_count": 2, "source": "Surat", "destination": "Kota"},
        format="json",
    )

    assert [row["train_number"] for row in availability.json()] == [12951]
    assert availability.json()[0]["available_seats"] == 100
    assert booking.status_code == 201, booking.content


def test_it_stores_station_names_trimmed(admin_client_api, payload):
    payload.update(source="  Mumbai ", destination=" Delhi", stops=[" Mumbai", "  Surat  ", "Delhi "])

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert response.json()["stops"] == ["Mumbai", "Surat", "Delhi"]
    assert set(Station.objects.values_list("name", flat=True)) == {"Mumbai", "Surat", "Delhi"}


def test_a_second_train_reuses_a_station_named_in_another_case(admin_client_api, payload):
    payload["stops"] = ["Mumbai", "Surat", "Delhi"]
    add_train(admin_client_api, payload)

    response = add_train(
        admin_client_api,
        {"train_number": 22, "source": " surat ", "destination": "AHMEDABAD", "total_seats": 5},
    )

    assert response.status_code == 201, response.content
    assert Station.objects.filter(key="surat").count() == 1
    assert Station.objects.get(key="surat").name == "Surat"
    assert response.json()["source"] == "Surat"
    assert Station.objects.count() == 4


def test_stops_may_name_the_ends_in_another_case(admin_client_api, payload):
    payload["stops"] = ["MUMBAI", "Surat", "delhi"]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert response.json()["stops"] == ["Mumbai", "Surat", "Delhi"]


@pytest.mark.django_db
def test_it_answers_401_to_an_anonymous_caller(anon_client, payload):
    response = add_train(anon_client, payload)

    assert response.status_code == 401
    assert "detail" in response.json()
    assert not Train.objects.exists()


def test_it_answers_403_to_a_normal_user(owner_client, payload):
    response = add_train(owner_client, payload)

    assert response.status_code == 403
    assert "detail" in response.json()
    assert not Train.objects.exists()


def test_it_answers_403_to_staff_who_is_not_a_superuser(staff_client, payload):
    response = add_train(staff_client, payload)

    assert response.status_code == 403
    assert not Train.objects.exists()


def test_it_rejects_a_duplicate_train_number(admin_client_api, payload):
    add_train(admin_client_api, payload)
    payload.update(source="Pune", destination="Goa")

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert list(error_body(response)) == ["train_number", "code"]
    assert Train.objects.count() == 1
    assert not Station.objects.filter(key__in=["pune", "goa"]).exists()


@pytest.mark.parametrize(
    "source, destination",
    [("Surat", "Surat"), ("Surat", "surat"), ("Surat", "  SURAT "), (" surat", "Surat  ")],
)
def test_it_rejects_a_source_equal_to_the_destination(admin_client_api, payload, source, destination):
    payload.update(source=source, destination=destination)

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert "destination" in response.json()
    assert not Train.objects.exists()


@pytest.mark.parametrize(
    "stops",
    [
        ["Mumbai", "Surat", "Surat", "Delhi"],
        ["Mumbai", "Surat", "Kota", "SURAT ", "Delhi"],
        ["Mumbai", "mumbai", "Delhi"],
        ["Mumbai", "Surat", " delhi", "Delhi"],
    ],
)
def test_it_rejects_a_station_twice_in_stops(admin_client_api, payload, stops):
    payload["stops"] = stops

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert list(error_body(response)) == ["stops", "code"]
    assert not Train.objects.exists()
    assert not Station.objects.exists()


@pytest.mark.parametrize(
    "stops",
    [
        ["Surat", "Delhi"],
        ["Mumbai", "Surat"],
        ["Delhi", "Mumbai"],
        ["Surat", "Mumbai", "Delhi", "Kota"],
        ["Mumbai"],
        [],
    ],
)
def test_it_rejects_stops_whose_ends_are_not_source_and_destination(admin_client_api, payload, stops):
    payload["stops"] = stops

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert list(error_body(response)) == ["stops", "code"]
    assert not Train.objects.exists()


@pytest.mark.parametrize("stops", ["Mumbai,Delhi", {"0": "Mumbai"}, None, ["Mumbai", "  ", "Delhi"]])
def test_it_rejects_stops_that_are_not_a_list_of_names(admin_client_api, payload, stops):
    payload["stops"] = stops

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert "stops" in response.json()
    assert not Train.objects.exists()


def test_it_rejects_more_stops_than_a_train_can_have(admin_client_api, payload):
    payload["stops"] = ["Mumbai", *(f"Halt {n}" for n in range(Train.MAX_STOPS - 1)), "Delhi"]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert "stops" in response.json()
    assert not Train.objects.exists()


def test_it_accepts_the_most_stops_a_train_can_have(admin_client_api, payload):
    payload["stops"] = ["Mumbai", *(f"Halt {n}" for n in range(Train.MAX_STOPS - 2)), "Delhi"]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert len(response.json()["stops"]) == Train.MAX_STOPS


@pytest.mark.parametrize("total_seats", [0, -1, 10001])
def test_it_rejects_seats_outside_one_to_ten_thousand(admin_client_api, payload, total_seats):
    payload["total_seats"] = total_seats

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert list(error_body(response)) == ["total_seats", "code"]
    assert not Train.objects.exists()


@pytest.mark.parametrize("total_seats", [1, 10000])
def test_it_accepts_seats_at_the_limits(admin_client_api, payload, total_seats):
    payload["total_seats"] = total_seats

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert response.json()["total_seats"] == total_seats
    assert Train.objects.get().total_seats == total_seats


@pytest.mark.parametrize("field", ["train_number", "total_seats"])
@pytest.mark.parametrize("value", ["abc", "5", 1.5, 5.0, True, None, [5], {"n": 5}])
def test_it_rejects_a_number_that_is_not_a_json_integer(admin_client_api, payload, field, value):
    payload[field] = value

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert list(error_body(response)) == [field, "code"]
    assert not Train.objects.exists()


@pytest.mark.parametrize("train_number", [0, -5, 2**31, 10**30])
def test_it_rejects_a_train_number_out_of_range(admin_client_api, payload, train_number):
    payload["train_number"] = train_number

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert list(error_body(response)) == ["train_number", "code"]


@pytest.mark.parametrize("field", ["train_number", "source", "destination", "total_seats"])
def test_it_rejects_a_missing_field(admin_client_api, payload, field):
    del payload[field]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert list(error_body(response)) == [field, "code"]
    assert not Train.objects.exists()


@pytest.mark.parametrize("field", ["source", "destination"])
@pytest.mark.parametrize("value", ["", "   ", None, ["Mumbai"], "x" * 101])
def test_it_rejects_an_unusable_station_name(admin_client_api, payload, field, value):
    payload[field] = value

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert field in response.json()
    assert not Train.objects.exists()


def test_it_accepts_a_station_name_of_a_hundred_characters(admin_client_api, payload):
    payload["source"] = "M" * 100

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert response.json()["source"] == "M" * 100


@pytest.mark.parametrize("field", ["source", "destination", "stops"])
def test_it_rejects_a_name_whose_normalised_form_is_too_long(admin_client_api, payload, field):
    long_name = "\ufdfa" * 12  # each one is 18 characters in compatibility form: 216 in all
    if field == "stops":
        payload["stops"] = ["Mumbai", long_name, "Delhi"]
    else:
        payload[field] = long_name

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert field in response.json()
    assert not Train.objects.exists()


def test_it_rejects_a_name_longer_than_a_hundred_characters(admin_client_api, payload):
    payload["name"] = "R" * 101

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert list(error_body(response)) == ["name", "code"]


@pytest.mark.parametrize("value", [0, 12301, 1.5, True, ["Rajdhani"]])
def test_it_rejects_a_train_name_that_is_not_a_json_string(admin_client_api, payload, value):
    payload["name"] = value

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert list(error_body(response)) == ["name", "code"]
    assert not Train.objects.exists()


def test_it_rejects_malformed_json(admin_client_api):
    response = admin_client_api.post(URL, '{"train_number": 1,', content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_it_rejects_json_that_is_a_list_instead_of_an_object(admin_client_api, payload):
    response = add_train(admin_client_api, [payload])

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not Train.objects.exists()


def test_the_stations_it_creates_are_in_the_time_zone_given(admin_client_api, payload):
    Station.objects.create(code="DLI", name="Delhi", time_zone="UTC")
    payload["time_zone"] = "Asia/Kolkata"

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    # A station that exists keeps its own.
    assert dict(Station.objects.values_list("name", "time_zone")) == {
        "Mumbai": "Asia/Kolkata",
        "Delhi": "UTC",
    }


def test_without_a_time_zone_its_stations_are_in_the_services(admin_client_api, payload, settings):
    settings.TIME_ZONE = "Europe/Paris"

    assert add_train(admin_client_api, payload).status_code == 201

    assert set(Station.objects.values_list("time_zone", flat=True)) == {"Europe/Paris"}


@pytest.mark.parametrize("time_zone", ["Mars/Olympus_Mons", "europe/paris", "localtime", "../etc/passwd"])
def test_an_unknown_time_zone_is_a_400_with_a_code(admin_client_api, payload, time_zone):
    payload["time_zone"] = time_zone

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "unknown_time_zone"
    assert "is not an IANA time zone" in body["time_zone"][0]
    assert not Train.objects.exists()
    assert not Station.objects.exists()
