"""The booking admin's side of holds and the waitlist (booking-product.md sections 3 and 4): a hold's end
and limit, a waiting booking's place and why a booking was cancelled, shown as time has left them, and
staff cancelling held and waiting passengers through passengers_cancel."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import formats, timezone

from bookings.models import Booking, BookingSeat, Passenger
from bookings.tests.product_train import (
    ASHA,
    MEERA,
    RAVI,
    SECOND,
    START,
    at,
    booked,
    passengers,
    post,
    sleeper_create,
)

LIST_URL = "/admin/bookings/booking/"
TTL = 900 * SECOND


@pytest.fixture(autouse=True)
def sleeper(db):
    with at(START):
        yield sleeper_create()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def booking_client(booking_staff) -> Client:
    """A staff member who may view and change bookings, and nothing else."""
    return logged_in(booking_staff)


@pytest.fixture
def viewer(staff) -> Client:
    """A staff member who may view bookings and not change them."""
    staff.user_permissions.add(Permission.objects.get(codename="view_booking"))
    return logged_in(staff)


@pytest.fixture
def full_3a(booking_staff_client) -> list[str]:
    """Every 3A berth sold Pune to Delhi, one booking per berth; their PNRs by berth."""
    return [booked(booking_staff_client, passengers=passengers(1))["pnr"] for _ in range(8)]


def booking_of(pnr: str) -> Booking:
    return Booking.objects.get(pnr=pnr)


def change_url(pnr: str) -> str:
    return f"{LIST_URL}{booking_of(pnr).pk}/change/"


def cancel_url(pnr: str) -> str:
    return f"{LIST_URL}{booking_of(pnr).pk}/cancel-passengers/"


def shown(moment: datetime.datetime) -> str:
    """Return a time as the admin writes it."""
    return formats.localize(timezone.template_localtime(moment))


def fields_of(page: str) -> dict[str, str]:
    """Return the booking page's read-only fields, each as {field: what it shows}."""
    return {
        name: value.strip()
        for name, value in re.findall(
            r'<div class="form-row field-(\w+)">.*?<div class="readonly">(.*?)</div>', page, re.DOTALL
        )
    }


def list_rows(page: str) -> dict[str, dict[str, str]]:
    """Return the list's rows by PNR, each as {column: what its cell shows}."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL):
        cells = dict(re.findall(r'<t[dh] class="field-(\w+)[^"]*">(?:<a [^>]*>)?(.*?)(?:</a>)?</t[dh]>', row))
        if "pnr_code" in cells:
            rows[cells["pnr_code"]] = cells
    return rows


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def listed(client: Client, **query: str) -> list[int]:
    response = client.get(LIST_URL, query)
    assert response.status_code == 200
    return [booking.pk for booking in response.context["cl"].result_list]


def test_the_status_filter_lists_holds_and_waiting_bookings(
    superuser_client, owner_client, other_client, booking_staff_client
):
    held = booked(owner_client, passengers=[ASHA], hold=True)
    sold = booked(booking_staff_client, seat_count=7)
    waiting = booked(other_client, passengers=[RAVI], waitlist=True)

    page = superuser_client.get(LIST_URL).content.decode()

    assert listed(superuser_client, status__exact="held") == [booking_of(held["pnr"]).pk]
    assert listed(superuser_client, status__exact="waitlisted") == [booking_of(waiting["pnr"]).pk]
    assert listed(superuser_client, status__exact="confirmed") == [booking_of(sold["pnr"]).pk]
    assert '?status__exact=held"' in page
    assert '?status__exact=waitlisted"' in page


def test_the_list_shows_a_holds_end_and_why_a_booking_was_cancelled(
    superuser_client, owner_client, other_client
):
    held = booked(owner_client, passengers=[ASHA], hold=True)
    cancelled = booked(other_client, passengers=[RAVI])
    confirmed = booked(other_client, passengers=[MEERA], hold=True)
    post(other_client, cancelled["pnr"], "cancel")
    post(other_client, confirmed["pnr"], "confirm", {"payment_reference": "pay_9"})

    rows = list_rows(superuser_client.get(LIST_URL).content.decode())

    assert (rows[held["pnr"]]["hold_ends"], rows[held["pnr"]]["reason"]) == (shown(START + TTL), "-")
    assert rows[cancelled["pnr"]]["reason"] == "Requested by the passenger or staff"
    # A confirmed hold keeps its end for the record; in the list it ends nothing.
    assert (rows[confirmed["pnr"]]["status"], rows[confirmed["pnr"]]["hold_ends"]) == ("Confirmed", "-")


def test_a_hold_past_its_end_shows_as_lapsed_in_the_list(superuser_client, owner_client):
    held = booked(owner_client, passengers=[ASHA, RAVI], hold=True)

    with at(START + TTL - SECOND):
        before = list_rows(superuser_client.get(LIST_URL).content.decode())[held["pnr"]]
    with at(START + TTL):
        after = list_rows(superuser_client.get(LIST_URL).content.decode())[held["pnr"]]
        still_held = listed(superuser_client, status__exact="held")

    assert (before["status"], before["reason"]) == ("Held", "-")
    assert (after["status"], after["reason"], after["hold_ends"]) == ("Cancelled", "Hold expired", "-")
    assert still_held == []
    booking = booking_of(held["pnr"])
    assert (booking.status, booking.cancelled_at) == (Booking.Status.CANCELLED, START + TTL)
    assert not BookingSeat.objects.filter(booking=booking).exists()


def test_the_held_filter_leaves_out_a_hold_past_its_end_though_nothing_read_it_since(
    superuser_client, owner_client, other_client
):
    lapsing = booked(owner_client, passengers=[ASHA], hold=True)
    with at(START + 600 * SECOND):
        live = booked(other_client, passengers=[RAVI], hold=True)

    with at(START + TTL):
        shown_held = listed(superuser_client, status__exact="held")

    assert shown_held == [booking_of(live["pnr"]).pk]
    assert booking_of(lapsing["pnr"]).cancel_reason == Booking.Reason.HOLD_EXPIRED


def test_the_booking_page_shows_the_holds_end_its_limit_and_the_payment(booking_client, owner_client):
    held = booked(owner_client, passengers=[ASHA], hold=True)
    with at(START + 60 * SECOND):
        post(owner_client, held["pnr"], "extend")
    confirmed = booked(owner_client, passengers=[RAVI], hold=True)
    post(owner_client, confirmed["pnr"], "confirm", {"payment_reference": "pay_123"})

    hold_page = fields_of(booking_client.get(change_url(held["pnr"])).content.decode())
    confirmed_page = fields_of(booking_client.get(change_url(confirmed["pnr"])).content.decode())

    assert hold_page["status"] == "Held"
    assert hold_page["expires_at"] == shown(START + 2 * TTL)
    assert hold_page["hold_limit_at"] == shown(START + 3600 * SECOND)
    assert (hold_page["payment_reference"], hold_page["reason"], hold_page["waitlist_place"]) == (
        "-",
        "-",
        "-",
    )
    assert confirmed_page["status"] == "Confirmed"
    assert confirmed_page["payment_reference"] == "pay_123"
    assert confirmed_page["expires_at"] == shown(START + TTL)


def test_a_hold_past_its_end_shows_as_lapsed_on_its_page(booking_client, owner_client):
    held = booked(owner_client, passengers=[ASHA], hold=True)

    with at(START + TTL):
        page = fields_of(booking_client.get(change_url(held["pnr"])).content.decode())

    assert (page["status"], page["reason"]) == ("Cancelled", "Hold expired")
    assert page["cancelled_at"] == shown(START + TTL)
    assert page["expires_at"] == shown(START + TTL)


def test_a_waiting_bookings_page_shows_its_place_on_the_waitlist(
    booking_client, owner_client, other_client, full_3a
):
    first = booked(owner_client, passengers=[ASHA], waitlist=True)
    second = booked(other_client, passengers=[RAVI], waitlist=True)
    # Another class's waitlist is another line.
    booked(other_client, passengers=passengers(1), travel_class="SL")

    assert fields_of(booking_client.get(change_url(first["pnr"])).content.decode())["waitlist_place"] == "1"
    assert fields_of(booking_client.get(change_url(second["pnr"])).content.decode())["waitlist_place"] == "2"
    post(owner_client, first["pnr"], "cancel")
    moved_up = fields_of(booking_client.get(change_url(second["pnr"])).content.decode())
    assert (moved_up["status"], moved_up["waitlist_place"]) == ("Waitlisted", "1")
    assert fields_of(booking_client.get(change_url(full_3a[0])).content.decode())["waitlist_place"] == "-"


def test_a_waiting_booking_served_by_a_lapsed_hold_shows_with_its_seat(
    booking_client, owner_client, booking_staff_client
):
    booked(booking_staff_client, seat_count=7)
    held = booked(booking_staff_client, passengers=passengers(1), hold=True)
    waiting = booked(owner_client, passengers=[ASHA], waitlist=True)

    with at(START + TTL):
        page = fields_of(booking_client.get(change_url(waiting["pnr"])).content.decode())

    assert (page["status"], page["waitlist_place"], page["seats"]) == (
        "Confirmed",
        "-",
        str(held["seat_numbers"][0]),
    )


def test_staff_cannot_change_a_holds_status_or_end_by_hand(superuser_client, owner_client):
    held = booked(owner_client, passengers=[ASHA], hold=True)
    url = change_url(held["pnr"])

    page = superuser_client.get(url).content.decode()
    posted = superuser_client.post(
        url,
        {
            "status": "confirmed",
            "expires_at_0": "2026-12-31",
            "expires_at_1": "00:00:00",
            "payment_reference": "forged",
        },
    )

    for field in ("status", "expires_at", "expires_at_0", "hold_limit_at_0", "payment_reference", "reason"):
        assert f'name="{field}"' not in page
    assert posted.status_code == 403
    booking = booking_of(held["pnr"])
    assert (booking.status, booking.expires_at, booking.payment_reference) == ("held", START + TTL, "")


def test_the_cancel_form_is_offered_for_holds_and_waiting_bookings(booking_client, owner_client, full_3a):
    booked(owner_client, passengers=[ASHA], travel_class="SL", hold=True)
    held = Booking.objects.get(status=Booking.Status.HELD).pnr
    waiting = booked(owner_client, passengers=[RAVI], waitlist=True)["pnr"]

    for pnr in (held, waiting):
        page = booking_client.get(change_url(pnr)).content.decode()
        assert f'href="{cancel_url(pnr)}"' in page
    form = booking_client.get(cancel_url(waiting)).content.decode()
    assert re.search(r"<td>Ravi Rao</td>\s*<td>Waitlisted</td>\s*<td>-</td>\s*<td>-</td>", form)


def test_cancelling_a_held_passenger_frees_the_berth_and_refunds_nothing(booking_client, owner_client):
    held = booked(owner_client, passengers=[ASHA, RAVI], hold=True)

    response = booking_client.post(cancel_url(held["pnr"]), {"passengers": ["1"]}, follow=True)

    assert messages_of(response) == [f"Cancelled passenger(s) 1 of booking {held['pnr']}. Refunded 0.00 INR."]
    booking = booking_of(held["pnr"])
    assert (booking.status, booking.refund_total) == (Booking.Status.HELD, Decimal("0.00"))
    assert list(BookingSeat.objects.filter(booking=booking).values_list("seat_number", flat=True)) == [
        held["seat_numbers"][1]
    ]
    assert Passenger.objects.get(booking=booking, passenger_id=1).status == Passenger.Status.CANCELLED


def test_cancelling_a_confirmed_passenger_in_the_admin_serves_the_waitlist(
    booking_client, owner_client, full_3a
):
    waiting = booked(owner_client, passengers=[ASHA], waitlist=True)

    booking_client.post(cancel_url(full_3a[2]), {"passengers": ["1"]})

    served = booking_of(waiting["pnr"])
    assert (served.status, served.seat_numbers) == (Booking.Status.CONFIRMED, [3])
    page = fields_of(booking_client.get(change_url(waiting["pnr"])).content.decode())
    assert (page["status"], page["seats"], page["waitlist_place"]) == ("Confirmed", "3", "-")


def test_cancelling_a_waiting_booking_in_the_admin_moves_the_next_one_up(
    booking_client, owner_client, other_client, full_3a
):
    first = booked(owner_client, passengers=[ASHA], waitlist=True)
    second = booked(other_client, passengers=[RAVI], waitlist=True)

    response = booking_client.post(cancel_url(first["pnr"]), {"passengers": ["1"]}, follow=True)

    assert messages_of(response)[0].startswith(
        f"Cancelled passenger(s) 1 of booking {first['pnr']}, and with"
    )
    assert (booking_of(first["pnr"]).status, booking_of(first["pnr"]).cancel_reason) == (
        "cancelled",
        "requested",
    )
    assert fields_of(booking_client.get(change_url(second["pnr"])).content.decode())["waitlist_place"] == "1"


def test_staff_who_may_only_view_bookings_see_a_hold_but_cannot_cancel_it(viewer, owner_client):
    held = booked(owner_client, passengers=[ASHA], hold=True)

    page = viewer.get(change_url(held["pnr"]))

    assert page.status_code == 200
    assert fields_of(page.content.decode())["expires_at"] == shown(START + TTL)
    assert "cancel-passengers" not in page.content.decode()
    assert viewer.post(cancel_url(held["pnr"]), {"passengers": ["1"]}).status_code == 403
    assert booking_of(held["pnr"]).status == Booking.Status.HELD


def test_staff_without_the_view_permission_are_refused(staff, owner_client):
    held = booked(owner_client, passengers=[ASHA], hold=True)
    client = logged_in(staff)

    assert client.get(LIST_URL).status_code == 403
    assert client.get(change_url(held["pnr"])).status_code == 403


def test_a_user_who_is_not_staff_is_sent_to_the_login_page(owner, owner_client):
    held = booked(owner_client, passengers=[ASHA], hold=True)

    for client in (logged_in(owner), Client()):
        for url in (LIST_URL, change_url(held["pnr"])):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/?next=")
