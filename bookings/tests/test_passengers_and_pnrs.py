"""Booking named passengers in a class: seats, fares, the PNR, and cancelling some of them with refunds.

The train of these tests is the booking product's example: a 3A sleeper coach and an SL coach,
with fares by the kilometre, from Pune (0 km) by Nagpur (890 km) to Delhi (1,900 km).
"""

import datetime
import itertools
import re
from decimal import Decimal

import pytest
import time_machine

from bookings.models import Booking, BookingSeat, Passenger
from bookings.passengers import PassengerRequest
from bookings.services import booking_cancel, booking_cancel_for_disruption, booking_create
from bookings.tests.client_calls import AVAILABILITY_URL, BOOK_URL
from bookings.tests.product_train import sleeper_create
from railway.tests.bodies import error_body
from trains.fares import FarePlan
from trains.models import Train
from trains.services import train_create

DAY = datetime.date(2026, 12, 20)
HOURS = datetime.timedelta(hours=1)


@pytest.fixture
def sleeper(db) -> Train:
    """Train 12 leaves Pune at 10:00 UTC on DAY, Nagpur at 20:00, reaches Delhi at 06:00 the next day."""
    return sleeper_create()


def at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


DEPARTURE = datetime.datetime.combine(DAY, datetime.time(10, 0), tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def three_days_ahead():
    with at(DEPARTURE - 72 * HOURS):
        yield


def book(client, **fields):
    return client.post(
        BOOK_URL, {"train_number": 12, "journey_date": DAY.isoformat(), **fields}, format="json"
    )


def booked(client, **fields):
    response = book(client, **fields)
    assert response.status_code == 201, response.content
    return response.json()


ASHA = {"name": "Asha Rao", "age": 34, "preference": "lower"}
RAVI = {"name": "Ravi Rao", "age": 36}


def test_two_named_passengers_get_seats_of_their_class_together_with_their_fares(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA, RAVI])

    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", booking["pnr"])
    assert booking["travel_class"] == "3A"
    assert booking["seat_count"] == 2
    # 1,900 km at 1.45: 2,755.00 each.
    assert booking["fare"] == {"total": "5510.00", "currency": "INR"}
    assert booking["passengers"] == [
        {
            "passenger_id": 1,
            "name": "Asha Rao",
            "age": 34,
            "preference": "lower",
            "coach": "B1",
            "seat": 1,
            "seat_number": 1,
            "position": "lower",
            "preference_met": True,
            "status": "confirmed",
            "fare": "2755.00",
            "refund": None,
        },
        {
            "passenger_id": 2,
            "name": "Ravi Rao",
            "age": 36,
            "preference": None,
            "coach": "B1",
            "seat": 2,
            "seat_number": 2,
            "position": "middle",
            "preference_met": None,
            "status": "confirmed",
            "fare": "2755.00",
            "refund": None,
        },
    ]
    assert booking["seat_numbers"] == [1, 2]
    assert booking["refunded"] == {"amount": "0.00", "currency": "INR"}


def test_the_other_class_is_sold_from_its_own_coach_at_its_own_fare(owner_client, sleeper):
    booking = booked(owner_client, travel_class="sl", passengers=[RAVI], source="Nagpur")

    (passenger,) = booking["passengers"]
    assert (passenger["coach"], passenger["seat"], passenger["seat_number"]) == ("S1", 1, 9)
    # 1,010 km at 0.50 = 505.00.
    assert passenger["fare"] == "505.00"
    assert booking["travel_class"] == "SL"


def test_a_fare_below_the_minimum_is_the_minimum(owner_client, make_train):
    train_create(
        train_number=13,
        source="A",
        destination="B",
        stops=["A", "B"],
        distances_km=[0, 40],
        total_seats=4,
        fares=[FarePlan("GEN", "0.45", "30.00")],
    )
    booking = owner_client.post(BOOK_URL, {"train_number": 13, "seat_count": 2}, format="json").json()

    # 40 km at 0.45 is 18.00, under the minimum of 30.00.
    assert [passenger["fare"] for passenger in booking["passengers"]] == ["30.00", "30.00"]
    assert booking["fare"]["total"] == "60.00"


def test_a_preference_is_met_where_a_free_seat_allows(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[{**RAVI, "preference": "side_upper"}])

    (passenger,) = booking["passengers"]
    assert (passenger["seat"], passenger["position"], passenger["preference_met"]) == (8, "side_upper", True)


def test_a_preference_no_free_seat_meets_is_given_up_rather_than_the_sale(owner_client, sleeper):
    booked(owner_client, travel_class="3A", passengers=[{**RAVI, "preference": "side_upper"}])

    booking = booked(owner_client, travel_class="3A", passengers=[{**ASHA, "preference": "side_upper"}])

    (passenger,) = booking["passengers"]
    assert passenger["preference_met"] is False
    assert passenger["position"] != "side_upper"


def test_a_train_of_several_classes_needs_the_class_named(owner_client, sleeper):
    response = book(owner_client, passengers=[ASHA])

    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "travel_class_required"
    assert body["classes"] == ["3A", "SL"]
    assert not Booking.objects.exists()


def test_a_class_the_train_has_not_is_refused_with_its_classes(owner_client, sleeper):
    response = book(owner_client, passengers=[ASHA], travel_class="1A")

    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "unknown_travel_class"
    assert body["classes"] == ["3A", "SL"]


def test_a_train_of_one_class_needs_none(owner_client, make_train):
    make_train(14, 4, "A", "B")

    response = owner_client.post(BOOK_URL, {"train_number": 14, "seat_count": 1}, format="json")

    assert response.status_code == 201
    assert response.json()["travel_class"] == "GEN"
    assert response.json()["passengers"][0]["name"] is None


def test_a_seat_count_that_is_not_the_passengers_number_is_refused(owner_client, sleeper):
    response = book(owner_client, travel_class="3A", passengers=[ASHA, RAVI], seat_count=3)

    assert response.status_code == 400
    assert error_body(response)["code"] == "seat_count_mismatch"
    assert book(owner_client, travel_class="3A", passengers=[ASHA, RAVI], seat_count=2).status_code == 201


@pytest.mark.parametrize(
    ("passengers", "field"),
    [
        ([], "passengers"),
        ([RAVI] * 7, "passengers"),
        ("Ravi", "passengers"),
        ([{"age": 3}], "name"),
        ([{"name": "", "age": 3}], "name"),
        ([{"name": "   ", "age": 3}], "name"),
        ([{"name": "x" * 101, "age": 3}], "name"),
        ([{"name": "Ravi"}], "age"),
        ([{"name": "Ravi", "age": 126}], "age"),
        ([{"name": "Ravi", "age": -1}], "age"),
        ([{"name": "Ravi", "age": "34"}], "age"),
        ([{"name": "Ravi", "age": 34, "preference": "roof"}], "preference"),
    ],
)
def test_passengers_are_checked_one_by_one(owner_client, sleeper, passengers, field):
    response = book(owner_client, travel_class="3A", passengers=passengers)

    assert response.status_code == 400, response.content
    assert field in response.content.decode()
    assert not Booking.objects.exists()


def test_a_refused_passenger_is_keyed_by_its_index(owner_client, sleeper):
    response = book(owner_client, travel_class="3A", passengers=[ASHA, {"name": "Ravi"}])

    assert error_body(response) == {
        "passengers": {"1": {"age": ["This field is required."]}},
        "code": "required",
    }


def test_without_passengers_or_seat_count_the_seat_count_is_required(owner_client, sleeper):
    response = book(owner_client, travel_class="3A")

    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "required"
    assert "seat_count" in body


def test_a_booking_s_total_is_its_passengers_fares_added_up(owner_client, sleeper):
    booking = booked(owner_client, travel_class="SL", passengers=[ASHA, RAVI, {"name": "Mina", "age": 4}])

    fares = [passenger.fare for passenger in Passenger.objects.filter(booking_id=booking["booking_id"])]
    assert Booking.objects.get(pk=booking["booking_id"]).fare_total == sum(fares)
    assert booking["fare"]["total"] == f"{sum(fares):.2f}" == "2850.00"


# Reading a booking by its PNR.


def test_the_owner_reads_the_booking_by_its_pnr(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA, RAVI])

    response = owner_client.get(f"/bookings/{booking['pnr']}/")

    assert response.status_code == 200
    assert response.json() == booking


def test_a_pnr_is_read_in_lower_case_and_with_letters_mistaken_for_digits(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA])
    written = booking["pnr"].lower().replace("1", "l").replace("0", "o")

    assert owner_client.get(f"/bookings/{written}/").json()["booking_id"] == booking["booking_id"]


def test_staff_who_may_view_bookings_read_anyones(owner_client, booking_staff_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA])

    assert booking_staff_client.get(f"/bookings/{booking['pnr']}/").status_code == 200


@pytest.mark.parametrize("reader", ["other_client", "staff_client"])
def test_anyone_else_gets_the_404_of_a_pnr_that_is_no_booking(request, owner_client, sleeper, reader):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA])
    client = request.getfixturevalue(reader)

    theirs = client.get(f"/bookings/{booking['pnr']}/")
    nobodys = client.get("/bookings/0000000000/")

    assert theirs.status_code == nobodys.status_code == 404
    assert (
        error_body(theirs)
        == {**error_body(nobodys)}
        == {
            "detail": "No booking with this PNR.",
            "code": "booking_not_found",
        }
    )


@pytest.mark.parametrize("text", ["SHORT", "ABCDEFGHJKM", "ABCDEFGHJU", "%20%20"])
def test_a_path_that_cannot_be_a_pnr_is_a_404(owner_client, text):
    response = owner_client.get(f"/bookings/{text}/")

    assert response.status_code == 404
    assert error_body(response)["code"] == "booking_not_found"


def test_reading_by_pnr_needs_a_token(anon_client, owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA])

    assert anon_client.get(f"/bookings/{booking['pnr']}/").status_code == 401


def test_guessing_pnrs_is_throttled_per_user(owner_client, other_client, throttle_limits, sleeper):
    throttle_limits(pnr_user="3/min")
    for guess in ("0000000001", "0000000002", "0000000003"):
        assert owner_client.get(f"/bookings/{guess}/").status_code == 404

    assert owner_client.get("/bookings/0000000004/").status_code == 429
    assert other_client.get("/bookings/0000000004/").status_code == 404


def test_pnrs_are_unique_and_unlike_each_other(owner_client, make_train, settings):
    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = 200
    settings.BOOKING_MAX_SEATS_PER_USER = 200
    make_train(15, 100, "A", "B")
    pnrs = [
        owner_client.post(BOOK_URL, {"train_number": 15, "seat_count": 1}, format="json").json()["pnr"]
        for _ in range(100)
    ]

    assert len(set(pnrs)) == 100
    # Random, not counted: consecutive bookings share no long prefix.
    assert max(len(_common_prefix(a, b)) for a, b in itertools.pairwise(pnrs)) < 5


def _common_prefix(a: str, b: str) -> str:
    prefix = ""
    for x, y in zip(a, b, strict=True):
        if x != y:
            break
        prefix += x
    return prefix


# Cancelling passengers.


def free_seats(client, source, destination):
    # The journey of DAY: the train leaves Pune on DAY and Nagpur on DAY too.
    response = client.get(
        AVAILABILITY_URL, {"source": source, "destination": destination, "journey_date": DAY}
    )
    (row,) = response.json()
    return row["available_seats"]


def cancel(client, pnr, **body):
    return client.post(f"/bookings/{pnr}/cancel/", body, format="json")


def test_cancelling_one_passenger_frees_their_seat_alone_and_refunds_them(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA, RAVI], source="Nagpur")
    # 1,010 km at 1.45 = 1,464.50 each; more than 48 hours ahead: less the fee of 60.00.

    response = cancel(owner_client, booking["pnr"], passenger_ids=[1])

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["refund"] == {"amount": "1404.50", "currency": "INR"}
    assert body["refunded"] == {"amount": "1404.50", "currency": "INR"}
    asha, ravi = body["passengers"]
    assert (asha["status"], asha["refund"]) == ("cancelled", "1404.50")
    assert (ravi["status"], ravi["refund"]) == ("confirmed", None)
    held = BookingSeat.objects.filter(booking_id=booking["booking_id"])
    assert list(held.values_list("seat_number", flat=True)) == [ravi["seat_number"]]
    assert free_seats(owner_client, "Nagpur", "Delhi") == 15
    assert free_seats(owner_client, "Pune", "Nagpur") == 16


def test_cancelling_the_last_passenger_cancels_the_booking(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA, RAVI])
    cancel(owner_client, booking["pnr"], passenger_ids=[2])

    body = cancel(owner_client, booking["pnr"], passenger_ids=[1]).json()

    assert body["status"] == "cancelled"
    assert [passenger["status"] for passenger in body["passengers"]] == ["cancelled", "cancelled"]
    assert body["refunded"]["amount"] == "5390.00"
    assert Booking.objects.get(pk=booking["booking_id"]).seats_cancelled == 2


def test_without_passenger_ids_every_passenger_still_confirmed_is_cancelled(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA, RAVI, {"name": "Mina", "age": 4}])
    cancel(owner_client, booking["pnr"], passenger_ids=[2])

    body = cancel(owner_client, booking["pnr"]).json()

    assert body["status"] == "cancelled"
    # Passengers 1 and 3 now: 2 x (2,755.00 - 60.00).
    assert body["refund"]["amount"] == "5390.00"
    assert body["refunded"]["amount"] == "8085.00"


def test_cancelling_a_passenger_twice_is_409_and_changes_nothing(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA, RAVI])
    cancel(owner_client, booking["pnr"], passenger_ids=[1])

    again = cancel(owner_client, booking["pnr"], passenger_ids=[1, 2])

    assert again.status_code == 409
    body = error_body(again)
    assert body["code"] == "already_cancelled"
    assert body["passenger_ids"] == [1]
    assert Passenger.objects.get(booking_id=booking["booking_id"], passenger_id=2).status == "confirmed"


def test_a_cancelled_booking_cancelled_again_is_409(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA])
    cancel(owner_client, booking["pnr"])

    again = cancel(owner_client, booking["pnr"])

    assert again.status_code == 409
    assert error_body(again)["code"] == "already_cancelled"


def test_a_passenger_the_booking_has_not_is_400(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA])

    response = cancel(owner_client, booking["pnr"], passenger_ids=[1, 7])

    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "unknown_passenger"
    assert body["passenger_ids"] == [7]
    assert Booking.objects.get().status == "confirmed"


@pytest.mark.parametrize("passenger_ids", [[], "1", [0], [True], ["1"]])
def test_passenger_ids_are_a_list_of_ids(owner_client, sleeper, passenger_ids):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA])

    assert cancel(owner_client, booking["pnr"], passenger_ids=passenger_ids).status_code == 400
    assert Booking.objects.get().status == "confirmed"


def test_only_the_owner_and_staff_who_may_change_bookings_cancel(
    owner_client, other_client, staff_client, booking_staff_client, sleeper
):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA, RAVI])

    assert cancel(other_client, booking["pnr"], passenger_ids=[1]).status_code == 404
    assert cancel(staff_client, booking["pnr"], passenger_ids=[1]).status_code == 404
    assert Booking.objects.get().seats_cancelled == 0
    assert cancel(booking_staff_client, booking["pnr"], passenger_ids=[1]).status_code == 200


def test_the_original_cancellation_cancels_everyone_with_the_same_refund(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA, RAVI])

    body = owner_client.post(f"/user/cancel_booking/{booking['booking_id']}/").json()

    assert body["status"] == "cancelled"
    assert body["refund"] == {"amount": "5390.00", "currency": "INR"}


# The refund bands, at their edges: from the train's departure from the boarding station.


@pytest.mark.parametrize(
    ("before_departure", "refund"),
    [
        (48 * HOURS + datetime.timedelta(seconds=1), "2695.00"),  # over 48 h: the fare less 60.00
        (48 * HOURS, "2066.25"),  # 48 h to 12 h: 75% of 2,755.00 = 2,066.25
        (12 * HOURS + datetime.timedelta(seconds=1), "2066.25"),
        (12 * HOURS, "1377.50"),  # 12 h to departure: 50%
        (datetime.timedelta(seconds=1), "1377.50"),
    ],
)
def test_the_refund_follows_the_band_of_the_moment(owner_client, sleeper, before_departure, refund):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA])

    with at(DEPARTURE - before_departure):
        body = cancel(owner_client, booking["pnr"]).json()

    assert body["refund"]["amount"] == refund


def test_at_departure_nobody_is_cancelled(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA])

    with at(DEPARTURE):
        response = cancel(owner_client, booking["pnr"])

    assert response.status_code == 400
    assert error_body(response)["code"] == "train_departed"
    assert Booking.objects.get().status == "confirmed"


def test_the_bands_count_from_the_boarding_station(owner_client, sleeper):
    # Boarding at Nagpur, which the train leaves 10 hours after Pune.
    booking = booked(owner_client, travel_class="SL", passengers=[ASHA], source="Nagpur")

    with at(DEPARTURE + 10 * HOURS - 13 * HOURS):
        body = cancel(owner_client, booking["pnr"]).json()

    # 13 hours ahead of Nagpur: 75% of 505.00 = 378.75.
    assert body["refund"]["amount"] == "378.75"


def test_a_fare_under_the_fee_refunds_nothing_rather_than_less(owner_client, make_train):
    train_create(
        train_number=16,
        source="A",
        destination="B",
        stops=["A", "B"],
        distances_km=[0, 10],
        total_seats=2,
        fares=[FarePlan("GEN", "1.00", "40.00")],
    )
    booking = owner_client.post(
        BOOK_URL, {"train_number": 16, "seat_count": 1, "journey_date": DAY.isoformat()}, format="json"
    ).json()

    assert cancel(owner_client, booking["pnr"]).json()["refund"]["amount"] == "0.00"


def test_a_train_without_times_counts_from_midnight_of_its_date(owner_client, make_train):
    make_train(17, 2, "A", "B")
    booking = owner_client.post(
        BOOK_URL, {"train_number": 17, "seat_count": 1, "journey_date": DAY.isoformat()}, format="json"
    ).json()
    midnight = datetime.datetime.combine(DAY, datetime.time(), tzinfo=datetime.UTC)
    Passenger.objects.update(fare="100.00")
    Booking.objects.update(fare_total="100.00")

    with at(midnight - 12 * HOURS - datetime.timedelta(seconds=1)):
        assert cancel(owner_client, booking["pnr"]).json()["refund"]["amount"] == "75.00"


def test_the_schema_documents_the_new_fields_and_codes(anon_client):
    schema = anon_client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    book_seat = schema["paths"][BOOK_URL]["post"]

    request = components[
        book_seat["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    ]
    assert {"travel_class", "passengers"} <= set(request["properties"])
    assert "seat_count" not in request.get("required", [])
    booking = components["Booking"]["properties"]
    assert {"pnr", "travel_class", "fare", "passengers", "refunded"} <= set(booking)
    passenger = components["Passenger"]["properties"]
    assert set(passenger) == {
        "passenger_id", "name", "age", "preference", "coach", "seat", "seat_number",
        "position", "preference_met", "status", "fare", "refund",
    }  # fmt: skip
    described = str(book_seat["responses"])
    for code in ("travel_class_required", "unknown_travel_class", "seat_count_mismatch"):
        assert code in described
    cancel = str(schema["paths"]["/bookings/{pnr}/cancel/"]["post"]["responses"])
    for code in ("unknown_passenger", "already_cancelled", "booking_not_found", "not_booking_owner"):
        assert code in cancel
    assert "refund" in components["Cancellation"]["properties"]


def test_a_party_with_preferences_still_sits_together_when_the_tightest_seats_weighed_are_apart(
    owner, make_train, monkeypatch
):
    # Weigh only the two tightest seats, as on a train too large to weigh whole.
    monkeypatch.setattr("bookings.inventory.PREFERENCE_LOOK", 2)
    make_train(18, 8, "A", "B", "C")
    singles = [booking_create(user=owner, train_number=18, seat_count=1, destination="B") for _ in range(3)]
    assert [booking.seat_numbers for booking in singles] == [[1], [2], [3]]
    booking_cancel(booking_id=singles[1].pk, actor=owner)
    # Seats 1 and 3 are free from B only, the tightest there; seat 2 is free end to end.

    party = booking_create(
        user=owner,
        train_number=18,
        source="B",
        passengers=[PassengerRequest("Asha", 34, "window"), PassengerRequest("Ravi", 36)],
    )

    assert party.seat_numbers == [1, 2]


def test_a_journey_the_operator_no_longer_runs_refunds_every_fare_whole(owner_client, sleeper):
    booking = booked(owner_client, travel_class="3A", passengers=[ASHA, RAVI])

    with at(DEPARTURE - HOURS):
        cancelled = booking_cancel_for_disruption(booking_id=booking["booking_id"])

    assert cancelled.status == "cancelled"
    assert cancelled.refund_total == cancelled.fare_total == Decimal("5510.00")
