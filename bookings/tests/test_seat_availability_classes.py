"""GET /user/get_seat_availability/ by class: the classes of each row, their free seats and fares."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from bookings.services import booking_create
from bookings.tests.client_calls import AVAILABILITY_URL
from bookings.tests.test_seat_availability_pages import SEARCH_QUERIES
from railway.tests.bodies import error_body
from trains.coach_plans import CoachPlan
from trains.fares import FarePlan
from trains.services import train_create


def make_two_class_train(
    train_number=7, *, distances_km=(0, 120, 300), fares=True, route=("Pune", "Lonavala", "Mumbai")
):
    """A train of coach A1 (2A, seats 1-2), then S1 and S2 (SL, seats 3-5 and 6-8)."""
    return train_create(
        train_number=train_number,
        source=route[0],
        destination=route[-1],
        total_seats=8,
        stops=list(route),
        distances_km=None if distances_km is None else [Decimal(km) for km in distances_km],
        coaches=[
            CoachPlan(coach="A1", travel_class="2A", seats=2),
            CoachPlan(coach="S1", travel_class="SL", seats=3),
            CoachPlan(coach="S2", travel_class="SL", seats=3),
        ],
        fares=[
            FarePlan(travel_class="2A", per_km=Decimal("2.45"), minimum=Decimal("300.00")),
            FarePlan(travel_class="SL", per_km=Decimal("0.50"), minimum=Decimal("100.00")),
        ]
        if fares
        else [],
    )


def search(client, source="Pune", destination="Mumbai", **extra):
    response = client.get(AVAILABILITY_URL, {"source": source, "destination": destination, **extra})
    assert response.status_code == 200, response.content
    return response.json()


def classes_of(client, source="Pune", destination="Mumbai", **extra):
    return {row["train_number"]: row["classes"] for row in search(client, source, destination, **extra)}


def test_each_row_lists_its_classes_in_coach_order_with_seats_and_fares(owner_client):
    make_two_class_train()

    (row,) = search(owner_client)

    assert row["available_seats"] == 8
    assert row["classes"] == [
        # 300 km: 2.45 x 300 = 735.00; 0.50 x 300 = 150.00.
        {"travel_class": "2A", "available_seats": 2, "fare": "735.00"},
        {"travel_class": "SL", "available_seats": 6, "fare": "150.00"},
    ]


def test_a_seat_sold_in_one_class_is_taken_from_that_class_alone(owner, owner_client):
    make_two_class_train()
    # Both seats of 2A, then one of SL, sold for the whole route.
    assert booking_create(user=owner, train_number=7, seat_count=2, travel_class="2A").seat_numbers == [1, 2]
    assert booking_create(user=owner, train_number=7, seat_count=1, travel_class="SL").seat_numbers == [3]

    (row,) = search(owner_client)

    assert row["classes"] == [
        {"travel_class": "2A", "available_seats": 0, "fare": "735.00"},
        {"travel_class": "SL", "available_seats": 5, "fare": "150.00"},
    ]
    assert row["available_seats"] == 5


def test_the_seats_and_fare_are_those_of_the_segment_asked_for(owner, owner_client):
    make_two_class_train()
    booking_create(user=owner, train_number=7, seat_count=2, destination="Lonavala", travel_class="2A")

    assert classes_of(owner_client, "Lonavala", "Mumbai")[7] == [
        # 180 km: 2.45 x 180 = 441.00; 0.50 x 180 = 90.00, under SL's minimum of 100.00.
        {"travel_class": "2A", "available_seats": 2, "fare": "441.00"},
        {"travel_class": "SL", "available_seats": 6, "fare": "100.00"},
    ]
    assert classes_of(owner_client, "Pune", "Lonavala")[7] == [
        # 120 km: 2.45 x 120 = 294.00, under 2A's minimum of 300.00; 0.50 x 120 = 60.00.
        {"travel_class": "2A", "available_seats": 0, "fare": "300.00"},
        {"travel_class": "SL", "available_seats": 6, "fare": "100.00"},
    ]


def test_a_fare_is_rounded_half_up_to_the_cent(owner_client):
    make_two_class_train(distances_km=(0, "0.5", "300.9"))

    # 2.45 x 300.4 = 735.98; 0.50 x 300.4 = 150.20; 2.45 x 0.5 = 1.225 is under the minimum anyway.
    assert classes_of(owner_client, "Lonavala", "Mumbai")[7] == [
        {"travel_class": "2A", "available_seats": 2, "fare": "735.98"},
        {"travel_class": "SL", "available_seats": 6, "fare": "150.20"},
    ]


def test_a_stop_without_a_distance_makes_each_fare_its_class_minimum(owner_client):
    make_two_class_train(distances_km=None)

    assert classes_of(owner_client)[7] == [
        {"travel_class": "2A", "available_seats": 2, "fare": "300.00"},
        {"travel_class": "SL", "available_seats": 6, "fare": "100.00"},
    ]


def test_a_class_without_a_fare_costs_nothing(owner_client):
    make_two_class_train(fares=False)

    assert [seat_class["fare"] for seat_class in classes_of(owner_client)[7]] == ["0.00", "0.00"]


def test_travel_class_keeps_only_that_class_and_the_trains_having_it(owner_client, make_train):
    make_two_class_train()
    make_train(8, 4, "Pune", "Mumbai")  # one coach of GEN

    rows = search(owner_client, travel_class="sl")

    assert [row["train_number"] for row in rows] == [7]
    assert rows[0]["classes"] == [{"travel_class": "SL", "available_seats": 6, "fare": "150.00"}]
    assert rows[0]["available_seats"] == 8  # still every class's
    assert list(classes_of(owner_client, travel_class="GEN")) == [8]
    assert search(owner_client, travel_class="1A") == []


@pytest.mark.parametrize("travel_class", ["S-L", "ABCDEFGHI", "3 A", "२A"])
def test_a_travel_class_that_is_no_code_is_refused_with_a_code(owner_client, travel_class):
    response = owner_client.get(
        AVAILABILITY_URL, {"source": "Pune", "destination": "Mumbai", "travel_class": travel_class}
    )

    assert response.status_code == 400
    body = error_body(response)
    assert set(body) == {"travel_class", "code"}
    assert body["code"] == "invalid_code"


def test_counting_by_class_costs_no_query_per_train_or_class(owner, owner_client, django_assert_num_queries):
    for number in range(1, 11):
        make_two_class_train(number)
        if number % 2:
            booking_create(
                user=owner, train_number=number, seat_count=1, destination="Lonavala", travel_class="SL"
            )

    with django_assert_num_queries(1 + SEARCH_QUERIES):  # the token, then the search
        rows = search(owner_client)

    assert len(rows) == 10
    assert sorted(sum(c["available_seats"] for c in row["classes"]) for row in rows) == [7] * 5 + [8] * 5


def test_the_schema_documents_the_classes_of_a_row_and_the_travel_class_parameter():
    schema = APIClient().get("/api/schema/?format=json").json()
    search = schema["paths"][AVAILABILITY_URL]["get"]

    assert "travel_class" in {parameter["name"] for parameter in search["parameters"]}
    row = search["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"].split("/")[-1]
    classes = schema["components"]["schemas"][row]["properties"]["classes"]
    seat_class = classes["items"]["$ref"].split("/")[-1]
    assert set(schema["components"]["schemas"][seat_class]["properties"]) == {
        "travel_class",
        "available_seats",
        "fare",
    }


def test_a_class_whose_coaches_are_apart_counts_the_seats_of_all_of_them(owner, owner_client):
    train_create(
        train_number=9,
        source="Pune",
        destination="Mumbai",
        total_seats=7,
        coaches=[
            CoachPlan(coach="S1", travel_class="SL", seats=2),
            CoachPlan(coach="A1", travel_class="2A", seats=2),
            CoachPlan(coach="S2", travel_class="SL", seats=3),
        ],
    )
    assert booking_create(user=owner, train_number=9, seat_count=1, travel_class="SL").seat_numbers == [1]

    assert classes_of(owner_client)[9] == [
        {"travel_class": "SL", "available_seats": 4, "fare": "0.00"},
        {"travel_class": "2A", "available_seats": 2, "fare": "0.00"},
    ]
