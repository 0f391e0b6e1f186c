"""A booking's page in the admin: its passengers, seats, fares and refunds, and staff cancelling chosen
passengers through passengers_cancel, as owners do through the API."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client

from bookings.models import Booking, BookingSeat, FreeStretch, Passenger
from bookings.passengers import PassengerRequest
from bookings.services import booking_create, passengers_cancel
from bookings.tests.test_seat_availability_classes import classes_of, make_two_class_train
from conftest import client_for

LIST_URL = "/admin/bookings/booking/"
JOURNEY = datetime.date(2026, 12, 3)
# A Thursday a week before the journey: cancelling refunds the fare less the cancellation fee.
A_WEEK_AHEAD = time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC), tick=False)
FEE = Decimal("60.00")
# Train 7's 2A fare from Pune to Mumbai (300 km at 2.45), and what cancelling it a week ahead refunds.
FARE = Decimal("735.00")
REFUND = FARE - FEE


@pytest.fixture(autouse=True)
def refund_rules(settings) -> None:
    """Refund the fare less FEE over 48 hours ahead, in rupees, whatever the environment says."""
    settings.CANCELLATION_FEE = FEE
    settings.REFUND_BANDS = ((48, "fee"), (12, Decimal("0.75")), (0, Decimal("0.50")))
    settings.FARE_CURRENCY = "INR"


def change_url(booking: Booking) -> str:
    return f"{LIST_URL}{booking.pk}/change/"


def cancel_url(booking: Booking) -> str:
    return f"{LIST_URL}{booking.pk}/cancel-passengers/"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def train(db):
    return make_two_class_train()


@pytest.fixture
def booking_client(booking_staff) -> Client:
    """A staff member who may view and change bookings, and nothing else."""
    return logged_in(booking_staff)


def book(user, *names: str) -> Booking:
    return booking_create(
        user=user,
        train_number=7,
        journey_date=JOURNEY,
        travel_class="2A",
        passengers=[PassengerRequest(name=name, age=30 + index) for index, name in enumerate(names)],
    )


def passenger(booking: Booking, passenger_id: int) -> Passenger:
    return Passenger.objects.get(booking=booking, passenger_id=passenger_id)


def passenger_rows(page: str) -> list[dict[str, str]]:
    """The passengers' rows of a booking's page, each as {field: what its cell shows}."""
    rows = re.findall(r'<tr class="form-row has_original"\s+id="passengers-\d+">(.*?)</tr>', page, re.DOTALL)
    return [
        dict(re.findall(r'<td class="field-(\w+)">\s*<p>(.*?)</p>\s*</td>', row, re.DOTALL)) for row in rows
    ]


def free_legs(train, seat_number: int) -> list[tuple[int, int]]:
    """The legs on which the seat is free on the journey, as FreeStretch rows state them."""
    return list(
        FreeStretch.objects.filter(train=train, journey_date=JOURNEY, seat_number=seat_number).values_list(
            "from_position", "to_position"
        )
    )


@A_WEEK_AHEAD
def test_the_booking_page_shows_its_passengers_seats_fares_and_refunds(booking_client, train, owner):
    booking = book(owner, "Asha", "Ravi")
    passengers_cancel(pnr=booking.pnr, actor=owner, passenger_ids=[2])

    response = booking_client.get(change_url(booking))

    page = response.content.decode()
    assert response.status_code == 200
    for shown in (booking.pnr, "2A", "1470.00", str(REFUND), "INR"):
        assert shown in page
    asha, ravi = passenger_rows(page)
    assert asha == {
        "passenger_id": "1",
        "name": "Asha",
        "age": "30",
        "preference": "-",
        "coach": "A1",
        "seat": "1",
        "seat_number": "1",
        "position": "window",
        "preference_met": '<img src="/static/admin/img/icon-unknown.svg" alt="None">',
        "fare": str(FARE),
        "status": "Confirmed",
        "cancelled_at": "-",
        "refund": "-",
    }
    assert (ravi["name"], ravi["seat"], ravi["position"], ravi["fare"]) == ("Ravi", "2", "aisle", str(FARE))
    assert (ravi["status"], ravi["cancelled_at"], ravi["refund"]) == (
        "Cancelled",
        "Nov. 26, 2026, noon",
        str(REFUND),
    )


@A_WEEK_AHEAD
def test_the_passengers_are_read_only(booking_client, train, owner):
    booking = book(owner, "Asha")

    page = booking_client.get(change_url(booking)).content.decode()

    # The formset's bookkeeping and the row's key, hidden: no field to type in, no row to add or delete.
    assert set(re.findall(r'name="(passengers-[^"]*)"', page)) == {
        "passengers-TOTAL_FORMS",
        "passengers-INITIAL_FORMS",
        "passengers-MIN_NUM_FORMS",
        "passengers-MAX_NUM_FORMS",
        "passengers-0-pk",
        "passengers-0-booking",
    }


@A_WEEK_AHEAD
def test_cancelling_one_passenger_of_two_frees_exactly_that_seat(booking_client, train, owner):
    booking = book(owner, "Asha", "Ravi")
    assert free_legs(train, 1) == free_legs(train, 2) == []
    assert classes_of(client_for(owner), journey_date=JOURNEY.isoformat())[7][0]["available_seats"] == 0

    form = booking_client.get(cancel_url(booking))
    response = booking_client.post(cancel_url(booking), {"passengers": ["1"]}, follow=True)

    assert form.status_code == 200
    assert 'name="passengers" value="1"' in form.content.decode()
    assert 'name="passengers" value="2"' in form.content.decode()
    assert response.redirect_chain == [(change_url(booking), 302)]
    assert messages_of(response) == [
        f"Cancelled passenger(s) 1 of booking {booking.pnr}. Refunded {REFUND} INR."
    ]
    assert list(BookingSeat.objects.filter(booking=booking).values_list("seat_number", flat=True)) == [2]
    assert free_legs(train, 1) == [(0, 2)]
    assert free_legs(train, 2) == []
    assert classes_of(client_for(owner), journey_date=JOURNEY.isoformat())[7][0]["available_seats"] == 1
    cancelled, kept = passenger(booking, 1), passenger(booking, 2)
    assert (cancelled.status, cancelled.refund) == (Passenger.Status.CANCELLED, REFUND)
    assert (kept.status, kept.refund) == (Passenger.Status.CONFIRMED, None)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert (booking.seats_cancelled, booking.refund_total) == (1, REFUND)


@A_WEEK_AHEAD
def test_cancelling_the_last_passenger_cancels_the_booking(booking_client, train, owner):
    booking = book(owner, "Asha", "Ravi")
    passengers_cancel(pnr=booking.pnr, actor=owner, passenger_ids=[1])

    form = booking_client.get(cancel_url(booking)).content.decode()
    response = booking_client.post(cancel_url(booking), {"passengers": ["2"]}, follow=True)

    assert 'value="1"' not in form
    assert messages_of(response) == [
        f"Cancelled passenger(s) 2 of booking {booking.pnr}, and with them the booking: "
        f"no passenger holds a seat any more. Refunded {REFUND} INR."
    ]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.refund_total == 2 * REFUND
    assert not BookingSeat.objects.filter(booking=booking).exists()
    assert "cancel-passengers" not in response.content.decode()


@A_WEEK_AHEAD
def test_the_booking_page_offers_the_cancellation_to_who_may_cancel(booking_client, staff, train, owner):
    booking = book(owner, "Asha")
    staff.user_permissions.add(Permission.objects.get(codename="view_booking"))

    offered = booking_client.get(change_url(booking)).content.decode()
    not_offered = logged_in(staff).get(change_url(booking)).content.decode()

    assert f'href="{cancel_url(booking)}"' in offered
    assert "cancel-passengers" not in not_offered


@A_WEEK_AHEAD
def test_staff_who_may_only_view_bookings_cannot_cancel_passengers(staff, train, owner):
    booking = book(owner, "Asha", "Ravi")
    staff.user_permissions.add(Permission.objects.get(codename="view_booking"))
    client = logged_in(staff)

    form = client.get(cancel_url(booking))
    posted = client.post(cancel_url(booking), {"passengers": ["1"]})

    assert (form.status_code, posted.status_code) == (403, 403)
    assert set(Passenger.objects.filter(booking=booking).values_list("status", flat=True)) == {"confirmed"}
    assert BookingSeat.objects.filter(booking=booking).count() == 2
    booking.refresh_from_db()
    assert (booking.status, booking.refund_total) == (Booking.Status.CONFIRMED, Decimal("0.00"))


@A_WEEK_AHEAD
@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        ([], "Choose the passengers to cancel."),
        (["x"], "Choose the passengers to cancel from the list."),
        (["2"], "Passengers 2 of this booking are already cancelled."),
        (["1", "9"], "This booking has no passengers 9."),
    ],
)
def test_a_refused_cancellation_is_a_message_and_cancels_no_one(
    booking_client, train, owner, chosen, message
):
    booking = book(owner, "Asha", "Ravi")
    passengers_cancel(pnr=booking.pnr, actor=owner, passenger_ids=[2])

    response = booking_client.post(cancel_url(booking), {"passengers": chosen}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(cancel_url(booking), 302)]
    assert messages_of(response) == [message]
    assert passenger(booking, 1).status == Passenger.Status.CONFIRMED
    assert list(BookingSeat.objects.filter(booking=booking).values_list("seat_number", flat=True)) == [1]


def test_passengers_are_not_cancelled_once_the_train_has_left(booking_client, train, owner):
    with A_WEEK_AHEAD:
        booking = book(owner, "Asha")

    with time_machine.travel(datetime.datetime(2026, 12, 4, 12, tzinfo=datetime.UTC), tick=False):
        response = booking_client.post(cancel_url(booking), {"passengers": ["1"]}, follow=True)

    assert response.status_code == 200
    (message,) = messages_of(response)
    assert message.startswith("The train left your boarding station")
    assert passenger(booking, 1).status == Passenger.Status.CONFIRMED


@A_WEEK_AHEAD
def test_a_booking_already_cancelled_has_no_one_to_cancel(booking_client, train, owner):
    booking = book(owner, "Asha")
    passengers_cancel(pnr=booking.pnr, actor=owner)

    form = booking_client.get(cancel_url(booking))
    posted = booking_client.post(cancel_url(booking), {"passengers": ["1"]}, follow=True)

    assert 'id="no-passengers"' in form.content.decode()
    assert messages_of(posted) == ["This booking is already cancelled."]


def test_an_unknown_booking_has_no_cancellation_page(booking_client, db):
    assert booking_client.get(f"{LIST_URL}999999/cancel-passengers/").status_code == 404


@A_WEEK_AHEAD
def test_the_list_shows_pnr_class_and_fare_total(booking_client, train, owner):
    booking = book(owner, "Asha", "Ravi")

    page = booking_client.get(LIST_URL).content.decode()

    assert f'<td class="field-pnr_code">{booking.pnr}</td>' in page
    assert '<td class="field-travel_class">2A</td>' in page
    assert '<td class="field-fare_total">1470.00</td>' in page


@A_WEEK_AHEAD
@pytest.mark.parametrize("typed", [str.upper, str.lower, lambda pnr: f" {pnr[:5]}-{pnr[5:].lower()} "])
def test_the_search_finds_a_booking_by_its_pnr(booking_client, train, owner, other_user, typed):
    wanted = book(owner, "Asha")
    book(other_user, "Ravi")

    response = booking_client.get(LIST_URL, {"q": typed(wanted.pnr)})

    assert [booking.pk for booking in response.context["cl"].result_list] == [wanted.pk]


@A_WEEK_AHEAD
def test_a_pnr_of_no_booking_finds_nothing(booking_client, train, owner):
    booking = book(owner, "Asha")
    other = "0000000000" if booking.pnr != "0000000000" else "1111111111"

    response = booking_client.get(LIST_URL, {"q": other})

    assert list(response.context["cl"].result_list) == []
