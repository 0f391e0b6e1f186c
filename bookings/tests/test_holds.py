"""Holds (booking-product.md section 3): seats taken until `expires_at`, then free with no job having run."""

import datetime

import pytest

from bookings.models import Booking, BookingSeat, Passenger
from bookings.tests.product_train import (
    ASHA,
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


def test_a_hold_takes_the_seats_until_it_expires(owner_client, other_client):
    booking = booked(owner_client, passengers=[ASHA, RAVI], hold=True)

    assert booking["status"] == "held"
    assert booking["expires_at"] == stamp(START + TTL)
    assert booking["hold_limit_at"] == stamp(START + 3600 * SECOND)
    assert [passenger["status"] for passenger in booking["passengers"]] == ["held", "held"]
    assert booking["seat_numbers"] == [1, 2]
    assert free_3a(other_client) == 6


def test_a_hold_is_confirmed_before_it_expires_and_again_unchanged(owner_client):
    booking = booked(owner_client, passengers=[ASHA], hold=True)

    with at(START + TTL - SECOND):
        confirmed = post(owner_client, booking["pnr"], "confirm", {"payment_reference": "pay_123"})
        again = post(owner_client, booking["pnr"], "confirm", {"payment_reference": "pay_456"})

    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["payment_reference"] == "pay_123"
    # Kept for the record: when the hold would have ended.
    assert confirmed.json()["expires_at"] == stamp(START + TTL)
    assert confirmed.json()["passengers"][0]["status"] == "confirmed"
    assert again.status_code == 200
    assert again.json() == confirmed.json()


def test_at_its_end_the_seats_are_free_to_every_answer_with_no_job_having_run(owner_client, other_client):
    booking = booked(owner_client, seat_count=8, hold=True)
    assert free_3a(other_client) == 0

    with at(START + TTL):
        assert free_3a(other_client) == 8
        sold = booked(other_client, passengers=[RAVI])

    assert sold["seat_numbers"] == [1]
    assert read(owner_client, booking["pnr"])["status"] == "cancelled"


def test_one_second_before_its_end_the_hold_still_has_its_seats(owner_client, other_client):
    booked(owner_client, seat_count=8, hold=True)

    with at(START + TTL - SECOND):
        assert free_3a(other_client) == 0
        assert book(other_client, passengers=[RAVI]).status_code == 409


def test_a_confirm_after_the_end_is_refused_and_changes_nothing(owner_client, other_client):
    booking = booked(owner_client, seat_count=8, hold=True)
    with at(START + TTL + SECOND):
        sold = booked(other_client, seat_count=8)

        response = post(owner_client, booking["pnr"], "confirm", {"payment_reference": "late"})

    assert response.status_code == 409
    assert error_body(response)["code"] == "hold_expired"
    lapsed = Booking.objects.get(pnr=booking["pnr"])
    assert (lapsed.status, lapsed.cancel_reason, lapsed.payment_reference) == (
        "cancelled",
        "hold_expired",
        "",
    )
    assert lapsed.cancelled_at == START + TTL
    # The seats sold since stay sold: the late confirm took none back.
    assert set(BookingSeat.objects.values_list("booking__pnr", flat=True)) == {sold["pnr"]}


def test_a_confirm_after_the_end_is_refused_even_before_anything_else_looked(owner_client):
    booking = booked(owner_client, passengers=[ASHA], hold=True)

    with at(START + TTL):
        response = post(owner_client, booking["pnr"], "confirm")

    assert response.status_code == 409
    assert error_body(response)["code"] == "hold_expired"
    assert not BookingSeat.objects.exists()


def test_an_extension_adds_the_ttl_again_up_to_the_limit(owner_client):
    booking = booked(owner_client, passengers=[ASHA], hold=True)
    ends = []
    with at(START + 60 * SECOND):
        for _ in range(3):
            response = post(owner_client, booking["pnr"], "extend")
            assert response.status_code == 200, response.content
            ends.append(response.json()["expires_at"])
        refused = post(owner_client, booking["pnr"], "extend")

    assert ends == [stamp(START + seconds * SECOND) for seconds in (1800, 2700, 3600)]
    assert refused.status_code == 409
    assert error_body(refused)["code"] == "hold_limit_reached"
    assert Booking.objects.get(pnr=booking["pnr"]).expires_at == START + 3600 * SECOND


def stamp(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_an_extension_short_of_a_whole_ttl_stops_at_the_limit(owner_client, settings):
    settings.HOLD_MAX_SECONDS = 1000
    booking = booked(owner_client, passengers=[ASHA], hold=True)

    extended = post(owner_client, booking["pnr"], "extend")
    refused = post(owner_client, booking["pnr"], "extend")

    assert extended.json()["expires_at"] == stamp(START + 1000 * SECOND)
    assert error_body(refused)["code"] == "hold_limit_reached"


def test_a_lapsed_hold_is_not_extended(owner_client):
    booking = booked(owner_client, passengers=[ASHA], hold=True)

    with at(START + TTL):
        response = post(owner_client, booking["pnr"], "extend")

    assert error_body(response)["code"] == "hold_expired"


def test_a_booking_sold_outright_is_neither_extended_nor_changed_by_a_confirm(owner_client):
    booking = booked(owner_client, passengers=[ASHA])

    assert error_body(post(owner_client, booking["pnr"], "extend"))["code"] == "not_held"
    confirmed = post(owner_client, booking["pnr"], "confirm", {"payment_reference": "x"})
    assert confirmed.status_code == 200
    assert confirmed.json()["payment_reference"] is None


def test_releasing_a_hold_frees_its_seats_and_refunds_nothing(owner_client, other_client):
    booking = booked(owner_client, passengers=[ASHA, RAVI], hold=True)

    response = post(owner_client, booking["pnr"], "cancel")

    assert response.status_code == 200
    assert response.json()["refund"] == {"amount": "0.00", "currency": "INR"}
    assert response.json()["reason"] == "requested"
    assert free_3a(other_client) == 8


def test_a_confirmed_hold_is_refunded_by_the_bands_like_any_sale(owner_client):
    booking = booked(owner_client, passengers=[ASHA], hold=True)
    post(owner_client, booking["pnr"], "confirm")

    response = post(owner_client, booking["pnr"], "cancel")

    # 72 hours ahead: the fare (2,755.00) less the fee of 60.00.
    assert response.json()["refund"]["amount"] == "2695.00"


def test_only_the_owner_and_staff_who_may_change_bookings_confirm(owner_client, other_client, staff_client):
    booking = booked(owner_client, passengers=[ASHA], hold=True)

    assert post(other_client, booking["pnr"], "confirm").status_code == 404
    assert post(staff_client, booking["pnr"], "confirm").status_code in (403, 404)
    assert Booking.objects.get(pnr=booking["pnr"]).status == "held"


@pytest.mark.parametrize("reference", ["", "x" * 101, 12])
def test_a_payment_reference_is_1_to_100_characters(owner_client, reference):
    booking = booked(owner_client, passengers=[ASHA], hold=True)

    response = post(owner_client, booking["pnr"], "confirm", {"payment_reference": reference})

    assert response.status_code == 400
    assert Booking.objects.get(pnr=booking["pnr"]).status == "held"


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_hold_is_true_or_false(owner_client, value):
    response = book(owner_client, passengers=[ASHA], hold=value)

    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_held_seats_count_against_the_seat_cap(owner_client, settings):
    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = 3
    booked(owner_client, passengers=[ASHA, RAVI], hold=True)

    response = book(owner_client, passengers=passengers(2))

    assert error_body(response)["code"] == "seat_cap_reached"


def test_held_passengers_keep_their_seats_once_confirmed(owner_client):
    booking = booked(owner_client, passengers=[ASHA, RAVI], hold=True)
    post(owner_client, booking["pnr"], "confirm")

    assert set(Passenger.objects.values_list("status", "seat_number")) == {("confirmed", 1), ("confirmed", 2)}
    assert sorted(BookingSeat.objects.values_list("seat_number", flat=True)) == [1, 2]
