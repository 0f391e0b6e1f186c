"""GET /user/get_seat_availability/: trains between two stations and the seats free on that span."""

import datetime

import pytest
import time_machine

from bookings.apis import SeatAvailabilityApi
from bookings.selectors import trains_between
from bookings.tests.client_calls import available, book
from railway.tests.bodies import error_body

URL = "/user/get_seat_availability/"


def cancel(client, booking):
    response = client.post(f"/user/cancel_booking/{booking['booking_id']}/")
    assert response.status_code == 200, response.content


@time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC))
def test_it_lists_every_train_calling_at_both_stations_in_order(owner_client, make_train):
    # No timetable times: every train leaves each of its stops at midnight of today (UTC here).
    make_train(30, 8, "Pune", "Mumbai", "Surat", "Delhi", name="Express")
    make_train(10, 5, "Mumbai", "Delhi")
    make_train(20, 4, "Chennai", "Mumbai", "Nagpur", "Delhi", "Amritsar", name="Grand Trunk")
    make_train(40, 6, "Delhi", "Mumbai")  # the wrong way round
    make_train(50, 6, "Mumbai", "Goa")  # never reaches Delhi

    response = owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi"})

    assert response.status_code == 200
    assert response.json() == [
        {
            "train_number": 10,
            "name": "",
            "source": "Mumbai",
            "destination": "Delhi",
            "total_seats": 5,
            "available_seats": 5,
            "journey_date": "2026-11-26",
            "departure": "2026-11-26T00:00:00Z",
            "arrival": "2026-11-26T00:00:00Z",
            "classes": [{"travel_class": "GEN", "available_seats": 5, "fare": "0.00"}],
        },
        {
            "train_number": 20,
            "name": "Grand Trunk",
            "source": "Chennai",
            "destination": "Amritsar",
            "total_seats": 4,
            "available_seats": 4,
            "journey_date": "2026-11-26",
            "departure": "2026-11-26T00:00:00Z",
            "arrival": "2026-11-26T00:00:00Z",
            "classes": [{"travel_class": "GEN", "available_seats": 4, "fare": "0.00"}],
        },
        {
            "train_number": 30,
            "name": "Express",
            "source": "Pune",
            "destination": "Delhi",
            "total_seats": 8,
            "available_seats": 8,
            "journey_date": "2026-11-26",
            "departure": "2026-11-26T00:00:00Z",
            "arrival": "2026-11-26T00:00:00Z",
            "classes": [{"travel_class": "GEN", "available_seats": 8, "fare": "0.00"}],
        },
    ]


def test_it_counts_seats_booked_on_the_span(owner_client, make_train):
    make_train(7, 10, "A", "B", "C")
    book(owner_client, 7, 3)
    book(owner_client, 7, 2, source="B", destination="C")

    assert available(owner_client, "A", "C") == {7: 5}
    assert available(owner_client, "A", "B") == {7: 7}
    assert available(owner_client, "B", "C") == {7: 5}


def test_a_seat_sold_only_on_the_middle_leg_is_not_free_for_the_full_span(owner_client, make_train):
    make_train(7, 1, "A", "B", "C", "D")
    book(owner_client, 7, source="B", destination="C")

    assert available(owner_client, "A", "D") == {7: 0}
    assert available(owner_client, "A", "C") == {7: 0}
    assert available(owner_client, "A", "B") == {7: 1}
    assert available(owner_client, "C", "D") == {7: 1}


def test_a_seat_sold_on_different_legs_counts_once(owner_client, make_train):
    make_train(7, 3, "A", "B", "C")
    book(owner_client, 7, source="A", destination="B")
    book(owner_client, 7, source="B", destination="C")  # best fit: the same seat

    assert available(owner_client, "A", "C") == {7: 2}


def test_it_counts_only_seats_free_on_every_leg_when_sales_are_fragmented(owner_client, make_train):
    make_train(7, 2, "A", "B", "C")
    first = book(owner_client, 7, source="A", destination="B").json()  # seat 1
    book(owner_client, 7, source="A", destination="B")  # seat 2
    book(owner_client, 7, source="B", destination="C")  # seat 1
    cancel(owner_client, first)
    # Seat 1 is sold B->C only and seat 2 A->B only: one seat free per leg, none end to end.

    assert available(owner_client, "A", "B") == {7: 1}
    assert available(owner_client, "B", "C") == {7: 1}
    assert available(owner_client, "A", "C") == {7: 0}
    assert book(owner_client, 7, source="A", destination="C").status_code == 409


def test_it_lists_a_train_with_no_seat_left(owner_client, make_train):
    make_train(7, 2)
    book(owner_client, 7, 2)

    response = owner_client.get(URL, {"source": "Alpha", "destination": "Omega"})

    assert response.status_code == 200
    assert len(response.json()) == 1
    assert response.json()[0]["available_seats"] == 0
    assert response.json()[0]["total_seats"] == 2


def test_cancelled_bookings_do_not_count(owner_client, make_train):
    make_train(7, 4)
    cancel(owner_client, book(owner_client, 7, 3).json())

    assert available(owner_client, "Alpha", "Omega") == {7: 4}


@pytest.mark.parametrize(
    ("source", "destination"),
    [("Nowhere", "Omega"), ("Alpha", "Nowhere"), ("Omega", "Alpha"), ("Alpha", "alpha")],
)
def test_it_answers_an_empty_list_when_no_train_fits(owner_client, make_train, source, destination):
    make_train(7, 4)

    response = owner_client.get(URL, {"source": source, "destination": destination})

    assert response.status_code == 200
    assert response.json() == []


def test_it_matches_station_names_in_any_case_and_spacing(owner_client, make_train):
    make_train(7, 4, "New Delhi", "Agra Cantt")

    response = owner_client.get(URL, {"source": "  NEW delhi", "destination": "agra cantt  "})

    assert response.status_code == 200
    assert [row["train_number"] for row in response.json()] == [7]
    assert response.json()[0]["source"] == "New Delhi"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"destination": "Omega"}, "required"),
        ({"source": "Alpha"}, "required"),
        ({}, "required"),
        ({"source": "", "destination": "Omega"}, "blank"),
        ({"source": "Alpha", "destination": "   "}, "blank"),
    ],
)
def test_it_rejects_a_missing_or_empty_parameter(owner_client, make_train, params, code):
    make_train(7, 4)

    response = owner_client.get(URL, params)

    assert response.status_code == 400
    body = error_body(response)
    assert body.pop("code") == code
    assert set(body) <= {"source", "destination"}
    assert body and all(isinstance(messages, list) for messages in body.values())


def test_it_requires_a_token(anon_client, make_train):
    make_train(7, 4)

    response = anon_client.get(URL, {"source": "Alpha", "destination": "Omega"})

    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_409_never_contradicts_the_availability_just_shown(owner_client, other_client, make_train):
    make_train(7, 5, "A", "B", "C", "D")
    book(other_client, 7, 2, source="A", destination="B")
    book(other_client, 7, 1, source="B", destination="C")
    book(other_client, 7, 1, source="C", destination="D")

    for source, destination in [("A", "C"), ("B", "D"), ("A", "D"), ("C", "D"), ("A", "B")]:
        shown = available(owner_client, source, destination)[7]
        for _ in range(shown):
            response = book(owner_client, 7, source=source, destination=destination)
            assert response.status_code == 201, (source, destination, response.content)
        assert available(owner_client, source, destination) == {7: 0}
        refused = book(owner_client, 7, source=source, destination=destination)
        assert refused.status_code == 409
        assert refused.json()["available_seats"] == 0


def test_the_rows_are_what_the_documented_serializer_renders(owner_client, make_train):
    make_train(3, 4, "Pune", "Mumbai", name="")
    make_train(4, 6, "Pune", "Lonavala", "Mumbai", name="Deccan Queen")

    rows = owner_client.get(URL, {"source": "pune", "destination": "MUMBAI"}).json()

    trains = trains_between(source="Pune", destination="Mumbai")
    assert rows == SeatAvailabilityApi.OutputSerializer(trains, many=True).data
