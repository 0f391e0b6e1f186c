"""The waitlist (booking-product.md section 4): places in order, caps, and promotion in the transaction
that frees the seats."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, BookingSeat, Passenger
from bookings.tests.product_train import (
    ASHA,
    MEERA,
    RAVI,
    SECOND,
    START,
    at,
    book,
    booked,
    free_3a,
    passengers,
    post,
    read,
    sleeper_create,
)
from railway.tests.bodies import error_body

TTL = datetime.timedelta(seconds=900)


@pytest.fixture(autouse=True)
def sleeper(db):
    with at(START):
        yield sleeper_create()


@pytest.fixture
def full_3a(booking_staff_client):
    """Every 3A berth sold, one booking per berth (Pune to Delhi); their PNRs by seat."""
    return {seat: booked(booking_staff_client, passengers=passengers(1))["pnr"] for seat in range(1, 9)}


def test_a_full_class_puts_a_booking_asking_for_it_on_the_waitlist(owner_client, full_3a):
    booking = booked(owner_client, passengers=[ASHA, RAVI], waitlist=True)

    assert booking["status"] == "waitlisted"
    assert booking["waitlist_position"] == 1
    assert booking["seat_numbers"] == []
    assert booking["fare"]["total"] == "5510.00"
    assert [
        (p["status"], p["coach"], p["seat"], p["seat_number"], p["position"]) for p in booking["passengers"]
    ] == [("waitlisted", None, None, None, None)] * 2


def test_without_asking_for_the_waitlist_a_full_class_is_still_a_409(owner_client, full_3a):
    response = book(owner_client, passengers=[ASHA])

    assert response.status_code == 409
    assert error_body(response)["code"] == "insufficient_seats"


def test_a_booking_asking_for_the_waitlist_is_sold_as_usual_when_seats_are_free(owner_client):
    booking = booked(owner_client, passengers=[ASHA], waitlist=True)

    assert booking["status"] == "confirmed"
    assert booking["waitlist_position"] is None


def test_places_count_per_journey_and_class_in_order_of_arrival(owner_client, other_client, full_3a):
    first = booked(owner_client, passengers=[ASHA], waitlist=True)
    second = booked(other_client, passengers=[RAVI], waitlist=True)

    assert (first["waitlist_position"], second["waitlist_position"]) == (1, 2)
    # SL has seats: a booking there is sold, and takes no place in the 3A waitlist.
    assert booked(other_client, passengers=[MEERA], travel_class="SL", waitlist=True)["status"] == "confirmed"
    post(owner_client, first["pnr"], "cancel")
    assert read(other_client, second["pnr"])["waitlist_position"] == 1


def test_the_waitlist_holds_30_percent_of_the_class_by_default(owner_client, other_client, full_3a):
    # 30% of 8 berths: 2 passengers.
    booked(owner_client, passengers=[ASHA, RAVI], waitlist=True)

    response = book(other_client, passengers=[MEERA], waitlist=True)

    assert response.status_code == 409
    body = error_body(response)
    assert (body["code"], body["waitlist_max"], body["waiting"]) == ("waitlist_full", 2, 2)


def test_waitlist_max_per_class_sets_the_cap(owner_client, full_3a, settings):
    settings.WAITLIST_MAX_PER_CLASS = 3
    booked(owner_client, passengers=[ASHA, RAVI], waitlist=True)

    assert book(owner_client, passengers=[MEERA], waitlist=True).json()["status"] == "waitlisted"
    assert error_body(book(owner_client, passengers=[MEERA], waitlist=True))["code"] == "waitlist_full"


def test_a_cancellation_confirms_the_first_waiting_booking_in_the_same_request(
    booking_staff_client, other_client, full_3a
):
    waiting = booked(other_client, passengers=[RAVI], waitlist=True)

    response = post(booking_staff_client, full_3a[5], "cancel")

    assert response.status_code == 200
    promoted = read(other_client, waiting["pnr"])
    assert promoted["status"] == "confirmed"
    assert promoted["waitlist_position"] is None
    assert promoted["seat_numbers"] == [5]
    (passenger,) = promoted["passengers"]
    assert (passenger["status"], passenger["coach"], passenger["seat"], passenger["position"]) == (
        "confirmed",
        "B1",
        5,
        "middle",
    )
    assert free_3a(other_client) == 0


def test_a_party_that_does_not_fit_keeps_its_place_and_a_later_one_that_fits_is_served(
    booking_staff_client, owner_client, other_client, full_3a, settings
):
    settings.WAITLIST_MAX_PER_CLASS = 5
    pair = booked(owner_client, passengers=[ASHA, RAVI], waitlist=True)
    single = booked(other_client, passengers=[MEERA], waitlist=True)

    post(booking_staff_client, full_3a[3], "cancel")

    assert read(other_client, single["pnr"])["status"] == "confirmed"
    kept = read(owner_client, pair["pnr"])
    assert (kept["status"], kept["waitlist_position"]) == ("waitlisted", 1)
    # Two more berths freed: the pair now fits, and is seated together.
    post(booking_staff_client, full_3a[6], "cancel")
    assert read(owner_client, pair["pnr"])["status"] == "waitlisted"
    post(booking_staff_client, full_3a[7], "cancel")
    served = read(owner_client, pair["pnr"])
    assert (served["status"], served["seat_numbers"]) == ("confirmed", [6, 7])


def test_an_earlier_booking_that_fits_is_served_before_a_later_one(
    booking_staff_client, owner_client, other_client, full_3a
):
    first = booked(owner_client, passengers=[ASHA], waitlist=True)
    second = booked(other_client, passengers=[RAVI], waitlist=True)

    post(booking_staff_client, full_3a[2], "cancel")

    assert read(owner_client, first["pnr"])["status"] == "confirmed"
    assert read(other_client, second["pnr"])["status"] == "waitlisted"


def test_a_waiting_booking_is_served_only_by_seats_free_on_its_whole_segment(
    booking_staff_client, owner_client, settings
):
    # Berth 1 sold Pune to Nagpur and berths 2-8 to Delhi; then 1 is sold on to Delhi as well.
    booked(booking_staff_client, passengers=passengers(1), destination="Nagpur")
    for _ in range(7):
        booked(booking_staff_client, passengers=passengers(1))
    onward = booked(booking_staff_client, passengers=passengers(1), source="Nagpur")
    waiting = booked(owner_client, passengers=[ASHA], waitlist=True)
    assert waiting["status"] == "waitlisted"

    # Free from Nagpur on only: Pune to Delhi is not free on it.
    post(booking_staff_client, onward["pnr"], "cancel")

    assert read(owner_client, waiting["pnr"])["status"] == "waitlisted"


def test_a_waiting_booking_that_asked_for_a_hold_is_held_with_a_fresh_ttl_when_served(
    booking_staff_client, owner_client, full_3a
):
    waiting = booked(owner_client, passengers=[ASHA], waitlist=True, hold=True)
    assert waiting["status"] == "waitlisted"

    with at(START + 600 * SECOND):
        post(booking_staff_client, full_3a[1], "cancel")
        served = read(owner_client, waiting["pnr"])

    assert served["status"] == "held"
    assert served["expires_at"] == (START + 600 * SECOND + TTL).isoformat().replace("+00:00", "Z")
    assert served["passengers"][0]["status"] == "held"


def test_seats_freed_by_an_expired_hold_reach_the_waitlist_before_any_new_sale(
    booking_staff_client, owner_client, other_client
):
    for _ in range(7):
        booked(booking_staff_client, passengers=passengers(1))
    hold = booked(booking_staff_client, passengers=passengers(1), hold=True)
    waiting = booked(owner_client, passengers=[ASHA], waitlist=True)

    with at(START + TTL + SECOND):
        # Availability never offers the seat the waiting booking is owed.
        assert free_3a(other_client) == 0
        response = book(other_client, passengers=[RAVI])
        served = read(owner_client, waiting["pnr"])

    assert error_body(response)["code"] == "insufficient_seats"
    assert served["status"] == "confirmed"
    assert served["seat_numbers"] == Booking.objects.get(pnr=hold["pnr"]).seat_numbers


def test_a_hold_lapsing_serves_the_waitlist_at_its_end_whoever_looks_first(
    booking_staff_client, owner_client
):
    for _ in range(7):
        booked(booking_staff_client, passengers=passengers(1))
    booked(booking_staff_client, passengers=passengers(1), hold=True)
    waiting = booked(owner_client, passengers=[ASHA], waitlist=True, hold=True)

    # Nobody looks until long after: the waiting booking was held from the first hold's end, and its
    # own hold has ended since; the berth is free again.
    with at(START + 3 * TTL):
        lapsed = read(owner_client, waiting["pnr"])
        free = free_3a(owner_client)

    assert (lapsed["status"], lapsed["reason"]) == ("cancelled", "hold_expired")
    assert Booking.objects.get(pnr=waiting["pnr"]).cancelled_at == START + 2 * TTL
    assert free == 1


def test_cancelling_a_waiting_booking_refunds_its_fare_whole(owner_client, full_3a):
    waiting = booked(owner_client, passengers=[ASHA], waitlist=True)

    response = post(owner_client, waiting["pnr"], "cancel")

    assert response.status_code == 200
    assert response.json()["refund"]["amount"] == "2755.00"
    assert response.json()["status"] == "cancelled"


def test_cancelling_a_waiting_booking_that_asked_for_a_hold_refunds_nothing(owner_client, full_3a):
    waiting = booked(owner_client, passengers=[ASHA], waitlist=True, hold=True)

    assert post(owner_client, waiting["pnr"], "cancel").json()["refund"]["amount"] == "0.00"


def test_a_waiting_party_that_loses_a_passenger_is_served_if_the_rest_now_fits(
    booking_staff_client, owner_client, full_3a
):
    pair = booked(owner_client, passengers=[ASHA, RAVI], waitlist=True)
    post(booking_staff_client, full_3a[8], "cancel")
    assert read(owner_client, pair["pnr"])["status"] == "waitlisted"

    response = post(owner_client, pair["pnr"], "cancel", {"passenger_ids": [2]})

    assert response.json()["status"] == "confirmed"
    assert [(p["status"], p["seat_number"]) for p in response.json()["passengers"]] == [
        ("confirmed", 8),
        ("cancelled", None),
    ]


def test_waiting_seats_count_against_the_seat_cap(owner_client, full_3a, settings):
    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = 2
    booked(owner_client, passengers=[ASHA, RAVI], waitlist=True)

    assert error_body(book(owner_client, passengers=[MEERA], travel_class="SL"))["code"] == "seat_cap_reached"


def test_more_seats_serve_the_waitlist(owner_client, full_3a, sleeper):
    from bookings.network_changes import train_update
    from trains.coach_plans import CoachPlan

    waiting = booked(owner_client, passengers=[ASHA], waitlist=True)

    train_update(
        train=sleeper,
        train_number=12,
        name=sleeper.name,
        total_seats=17,
        coaches=[
            CoachPlan("B1", "3A", 8, "berths-8"),
            CoachPlan("S1", "SL", 8, "berths-8"),
            CoachPlan("B2", "3A", 1, "berths-8"),
        ],
    )

    served = read(owner_client, waiting["pnr"])
    assert (served["status"], served["seat_numbers"]) == ("confirmed", [17])


def test_the_passengers_and_seats_of_a_served_booking_agree(
    booking_staff_client, owner_client, full_3a, settings
):
    settings.WAITLIST_MAX_PER_CLASS = 8
    waiting = [booked(owner_client, passengers=[ASHA], waitlist=True)["pnr"] for _ in range(3)]
    for seat in (2, 4, 6):
        post(booking_staff_client, full_3a[seat], "cancel")

    for pnr in waiting:
        booking = Booking.objects.get(pnr=pnr)
        assert booking.status == "confirmed"
        seats = list(BookingSeat.objects.filter(booking=booking).values_list("seat_number", flat=True))
        assert (
            seats
            == booking.seat_numbers
            == list(Passenger.objects.filter(booking=booking).values_list("seat_number", flat=True))
        )


def test_serving_a_waiting_booking_reads_no_more_whether_it_asked_for_a_hold_or_not(
    owner_client, other_client, booking_staff_client, full_3a
):
    def statements_of_a_cancellation_of(pnr: str) -> int:
        with CaptureQueriesContext(connection) as run:
            assert post(booking_staff_client, pnr, "cancel").status_code == 200
        return len(run.captured_queries)

    confirmed = booked(owner_client, passengers=[ASHA], waitlist=True)
    serving_confirmed = statements_of_a_cancellation_of(full_3a[1])
    held = booked(other_client, passengers=[RAVI], waitlist=True, hold=True)
    serving_held = statements_of_a_cancellation_of(full_3a[2])

    assert (read(owner_client, confirmed["pnr"])["status"], read(other_client, held["pnr"])["status"]) == (
        "confirmed",
        "held",
    )
    # The same reads and writes: a booking served confirmed has no hold times to load one by one.
    assert serving_confirmed == serving_held
