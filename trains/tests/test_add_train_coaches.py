"""POST /add_train/ with coaches, fares and stop distances (booking-product.md, section 1)."""

from decimal import Decimal

import pytest

from railway.tests.bodies import error_body
from trains.models import Coach, Fare, Station, Stop, Train

URL = "/add_train/"


@pytest.fixture
def payload() -> dict:
    return {
        "train_number": 12301,
        "source": "Howrah",
        "destination": "New Delhi",
        "total_seats": 154,
        "coaches": [
            {"coach": "B1", "travel_class": "3A", "seats": 72, "layout": "berths-8"},
            {"coach": "S1", "travel_class": "SL", "seats": 72, "layout": "berths-8"},
            {"coach": "D1", "travel_class": "2S", "seats": 10},
        ],
    }


def add_train(client, data):
    return client.post(URL, data, format="json")


def stored_coaches() -> list[tuple]:
    return list(
        Coach.objects.order_by("position").values_list("position", "coach", "travel_class", "seats", "layout")
    )


def test_a_train_gets_its_coaches_in_the_order_given(admin_client_api, payload):
    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert response.json()["coaches"] == [
        {"coach": "B1", "travel_class": "3A", "seats": 72, "layout": "berths-8"},
        {"coach": "S1", "travel_class": "SL", "seats": 72, "layout": "berths-8"},
        {"coach": "D1", "travel_class": "2S", "seats": 10, "layout": "seats-2x2"},
    ]
    assert stored_coaches() == [
        (0, "B1", "3A", 72, "berths-8"),
        (1, "S1", "SL", 72, "berths-8"),
        (2, "D1", "2S", 10, "seats-2x2"),
    ]


def test_codes_are_stored_in_upper_case(admin_client_api, payload):
    payload["coaches"][0].update(coach="b1", travel_class="3a")

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert response.json()["coaches"][0]["coach"] == "B1"
    assert stored_coaches()[0][1:3] == ("B1", "3A")


def test_without_coaches_a_train_has_one_gen_coach_of_all_its_seats(admin_client_api, payload):
    del payload["coaches"]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert stored_coaches() == [(0, "C1", "GEN", 154, "seats-2x2")]


def test_without_coaches_a_train_of_over_200_seats_has_gen_coaches_of_200(admin_client_api, payload):
    del payload["coaches"]
    payload["total_seats"] = 10_000

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    coaches = stored_coaches()
    assert len(coaches) == 50
    assert coaches[0] == (0, "C1", "GEN", 200, "seats-2x2")
    assert coaches[-1] == (49, "C50", "GEN", 200, "seats-2x2")


def test_total_seats_must_equal_the_coaches_seats(admin_client_api, payload):
    payload["total_seats"] = 150

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert error_body(response) == {
        "total_seats": ["The coaches have 154 seats, but total_seats is 150."],
        "code": "seats_mismatch",
    }
    assert not Train.objects.exists()


def test_total_seats_stays_required_with_coaches(admin_client_api, payload):
    del payload["total_seats"]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert "total_seats" in error_body(response)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"layout": "berths-10"}, "unknown_layout"),
        ({"coach": "B-1"}, "invalid_code"),
        ({"coach": "ABCDEFGHI"}, "invalid_code"),
        ({"travel_class": ""}, "blank"),
        ({"travel_class": 3}, "invalid"),
        ({"seats": 0}, "min_value"),
        ({"seats": 201}, "max_value"),
    ],
)
def test_it_refuses_a_coach_it_cannot_store(admin_client_api, payload, change, code):
    payload["coaches"][0].update(change)

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == code
    assert "coaches" in body
    assert not Train.objects.exists()


def test_a_coach_code_comes_once_ignoring_case(admin_client_api, payload):
    payload["coaches"][1]["coach"] = "b1"

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert error_body(response) == {"coaches": ["Coach B1 comes more than once."], "code": "duplicate_coach"}


def test_an_empty_list_of_coaches_is_refused(admin_client_api, payload):
    payload["coaches"] = []

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert "coaches" in error_body(response)


def test_a_train_gets_its_fares_with_money_as_strings(admin_client_api, payload):
    payload["fares"] = [
        {"travel_class": "3A", "per_km": "1.45", "minimum": "150.00"},
        {"travel_class": "sl", "per_km": "0.55", "minimum": "80.00"},
    ]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert response.json()["fares"] == [
        {"travel_class": "3A", "per_km": "1.45", "minimum": "150.00"},
        {"travel_class": "SL", "per_km": "0.55", "minimum": "80.00"},
    ]
    assert list(Fare.objects.order_by("travel_class").values_list("travel_class", "per_km", "minimum")) == [
        ("3A", Decimal("1.45"), Decimal("150.00")),
        ("SL", Decimal("0.55"), Decimal("80.00")),
    ]


@pytest.mark.parametrize("amount", [1.45, "1.4", "1.455", "-1.45", "1,45", "1e2", " 1.45", "123456789.00"])
def test_it_refuses_money_that_is_not_a_string_with_two_decimals(admin_client_api, payload, amount):
    payload["fares"] = [{"travel_class": "3A", "per_km": amount, "minimum": "150.00"}]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert error_body(response)["code"] == "invalid_money"
    assert not Train.objects.exists()


def test_a_fare_for_a_class_no_coach_has_is_refused(admin_client_api, payload):
    payload["fares"] = [{"travel_class": "1A", "per_km": "4.00", "minimum": "500.00"}]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert error_body(response) == {"fares": ["No coach is of class 1A."], "code": "fare_without_coach"}


def test_a_class_has_one_fare(admin_client_api, payload):
    payload["fares"] = [
        {"travel_class": "3A", "per_km": "1.45", "minimum": "150.00"},
        {"travel_class": "3a", "per_km": "1.50", "minimum": "150.00"},
    ]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400
    assert error_body(response)["code"] == "duplicate_fare"


def test_a_fare_for_the_default_class_needs_no_coaches(admin_client_api, payload):
    del payload["coaches"]
    payload["fares"] = [{"travel_class": "GEN", "per_km": "0.30", "minimum": "20.00"}]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert response.json()["fares"] == [{"travel_class": "GEN", "per_km": "0.30", "minimum": "20.00"}]


def test_stops_may_be_objects_with_distances(admin_client_api, payload):
    payload["stops"] = [
        {"station": "Howrah", "distance_km": 0},
        "Dhanbad",
        {"station": "Gaya", "distance_km": 458},
        {"station": "New Delhi", "distance_km": "1447.5"},
    ]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content
    assert response.json()["stops"] == ["Howrah", "Dhanbad", "Gaya", "New Delhi"]
    assert list(Stop.objects.order_by("position").values_list("station__name", "distance_km")) == [
        ("Howrah", Decimal("0.0")),
        ("Dhanbad", None),
        ("Gaya", Decimal("458.0")),
        ("New Delhi", Decimal("1447.5")),
    ]


def test_the_first_stop_may_omit_its_distance(admin_client_api, payload):
    payload["stops"] = ["Howrah", {"station": "New Delhi", "distance_km": 1447}]

    response = add_train(admin_client_api, payload)

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("stops", "code"),
    [
        ([{"station": "Howrah", "distance_km": 5}, "New Delhi"], "first_stop_distance"),
        (
            [
                "Howrah",
                {"station": "Gaya", "distance_km": 458},
                {"station": "Dhanbad", "distance_km": 260},
                "New Delhi",
            ],
            "distance_decreases",
        ),
        (["Howrah", {"station": "New Delhi", "distance_km": -1}], "min_value"),
        (["Howrah", {"station": "New Delhi", "distance_km": "1447.55"}], "max_decimal_places"),
        (["Howrah", {"distance_km": 10}, "New Delhi"], "required"),
        (["Howrah", 7, "New Delhi"], "invalid"),
    ],
)
def test_it_refuses_distances_that_do_not_run_along_the_route(admin_client_api, payload, stops, code):
    payload["stops"] = stops

    response = add_train(admin_client_api, payload)

    assert response.status_code == 400, response.content
    body = error_body(response)
    assert body["code"] == code
    assert "stops" in body
    assert not Train.objects.exists()
    assert not Station.objects.exists()
