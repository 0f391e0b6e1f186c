"""The booking admin: a read-only list with filters, and a cancel action through booking_cancel."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, BookingSeat
from bookings.services import booking_cancel, booking_create
from conftest import client_for

LIST_URL = "/admin/bookings/booking/"


@pytest.fixture
def train(make_train):
    return make_train(200, 4, "Alpha", "Beta", "Gamma")


def available(user, source: str = "Alpha", destination: str = "Gamma") -> int:
    rows = (
        client_for(user)
        .get("/user/get_seat_availability/", {"source": source, "destination": destination})
        .json()
    )
    return rows[0]["available_seats"]


def cancel_action(client: Client, bookings: list[Booking]):
    return client.post(
        LIST_URL,
        {"action": "cancel_selected", "_selected_action": [booking.pk for booking in bookings], "index": 0},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_booking_list_shows_train_user_segment_and_seats(superuser_client, train, owner):
    booking_create(user=owner, train_number=200, seat_count=2, source="Beta", destination="Gamma")

    response = superuser_client.get(LIST_URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert "200" in page
    assert "alice" in page
    assert "Beta → Gamma" in page
    assert "1, 2" in page


def test_the_booking_page_is_read_only(superuser_client, train, owner):
    booking = booking_create(user=owner, train_number=200, seat_count=1)

    page = superuser_client.get(f"{LIST_URL}{booking.pk}/change/")
    posted = superuser_client.post(f"{LIST_URL}{booking.pk}/change/", {"status": "cancelled"})

    assert page.status_code == 200
    assert "Alpha → Gamma" in page.content.decode()
    assert 'name="status"' not in page.content.decode()
    assert posted.status_code == 403
    assert superuser_client.get(f"{LIST_URL}add/").status_code == 403
    assert superuser_client.post(f"{LIST_URL}{booking.pk}/delete/", {"post": "yes"}).status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_the_cancel_action_frees_the_seats(superuser_client, train, owner, other_user):
    first = booking_create(user=owner, train_number=200, seat_count=2)
    second = booking_create(
        user=other_user, train_number=200, seat_count=2, source="Alpha", destination="Beta"
    )
    assert available(owner) == 0

    response = cancel_action(superuser_client, [first, second])

    assert response.status_code == 200
    assert messages_of(response) == ["Cancelled 2 booking(s); their seats are free again."]
    assert not BookingSeat.objects.exists()
    assert set(Booking.objects.values_list("status", flat=True)) == {Booking.Status.CANCELLED}
    assert available(owner) == 4


def test_the_cancel_action_skips_bookings_already_cancelled(superuser_client, train, owner, admin_user):
    cancelled = booking_create(user=owner, train_number=200, seat_count=1)
    booking_cancel(booking_id=cancelled.pk, actor=owner)
    confirmed = booking_create(user=owner, train_number=200, seat_count=1)

    response = cancel_action(superuser_client, [cancelled, confirmed])

    assert messages_of(response) == [
        "Cancelled 1 booking(s); their seats are free again.",
        f"Skipped 1 booking(s) already cancelled: #{cancelled.pk}.",
    ]
    confirmed.refresh_from_db()
    assert confirmed.status == Booking.Status.CANCELLED
    assert available(owner) == 4


def test_the_cancel_action_leaves_other_bookings_alone(superuser_client, train, owner, other_user):
    kept = booking_create(user=other_user, train_number=200, seat_count=1)
    cancelled = booking_create(user=owner, train_number=200, seat_count=1)

    cancel_action(superuser_client, [cancelled])

    kept.refresh_from_db()
    assert kept.status == Booking.Status.CONFIRMED
    assert list(BookingSeat.objects.values_list("booking_id", flat=True).distinct()) == [kept.pk]


def test_staff_who_may_only_view_bookings_cannot_cancel_them(staff, train, owner):
    booking = booking_create(user=owner, train_number=200, seat_count=1)
    staff.user_permissions.add(Permission.objects.get(codename="view_booking"))
    client = Client()
    client.force_login(staff)

    page = client.get(LIST_URL)
    cancel_action(client, [booking])

    assert page.status_code == 200
    assert "cancel_selected" not in page.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_the_cancel_action_refused_for_a_departed_train_is_a_message(superuser_client, train, owner):
    with IN_BOOKING_WINDOW:
        booking = booking_create(user=owner, train_number=200, seat_count=1)

    with time_machine.travel(datetime.datetime(2026, 11, 27, 12, tzinfo=datetime.UTC)):
        response = cancel_action(superuser_client, [booking])

    assert response.status_code == 200
    (message,) = messages_of(response)
    assert message.startswith("Cancelling stopped: The train left your boarding station")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "cancelled"}, {"cancelled"}),
        ({"status__exact": "confirmed"}, {"owner-confirmed", "other-confirmed"}),
        ({"username": "MALLORY"}, {"other-confirmed"}),
        ({"q": "alice"}, {"owner-confirmed", "cancelled"}),
    ],
)
def test_the_list_filters_by_status_and_user(superuser_client, train, owner, other_user, query, expected):
    bookings = {
        "owner-confirmed": booking_create(user=owner, train_number=200, seat_count=1),
        "other-confirmed": booking_create(user=other_user, train_number=200, seat_count=1),
        "cancelled": booking_create(user=owner, train_number=200, seat_count=1),
    }
    booking_cancel(booking_id=bookings["cancelled"].pk, actor=owner)

    response = superuser_client.get(LIST_URL, query)

    assert response.status_code == 200
    shown = {booking.pk for booking in response.context["cl"].result_list}
    assert shown == {bookings[name].pk for name in expected}


def test_the_list_filters_by_train_and_finds_a_booking_by_id(superuser_client, make_train, owner):
    make_train(201, 4, "Alpha", "Beta")
    make_train(202, 4, "Alpha", "Beta")
    on_201 = booking_create(user=owner, train_number=201, seat_count=1)
    on_202 = booking_create(user=owner, train_number=202, seat_count=1)

    by_train = superuser_client.get(LIST_URL, {"train_number": " 202 "})
    by_id = superuser_client.get(LIST_URL, {"q": str(on_201.pk)})

    assert [booking.pk for booking in by_train.context["cl"].result_list] == [on_202.pk]
    assert [booking.pk for booking in by_id.context["cl"].result_list] == [on_201.pk]


@pytest.mark.parametrize("typed", ["203", "9999999999", "12x", "²"])
def test_a_train_number_naming_no_train_filters_out_everything(superuser_client, make_train, owner, typed):
    make_train(201, 4, "Alpha", "Beta")
    booking_create(user=owner, train_number=201, seat_count=1)

    response = superuser_client.get(LIST_URL, {"train_number": typed})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_the_train_filter_is_a_box_not_a_list_of_every_train(superuser_client, make_train, owner):
    for number in range(301, 331):
        make_train(number, 4, "Alpha", "Beta")
        booking_create(user=owner, train_number=number, seat_count=1)

    page = superuser_client.get(LIST_URL).content.decode()

    assert 'name="train_number"' in page
    assert "train__id__exact" not in page


def test_the_list_costs_the_same_queries_however_many_bookings(
    superuser_client, make_train, owner, other_user
):
    make_train(1, 50, "A", "B", "C")
    booking_create(user=owner, train_number=1, seat_count=1)
    with CaptureQueriesContext(connection) as few:
        assert superuser_client.get(LIST_URL).status_code == 200

    for number in range(2, 7):
        make_train(number, 50, "A", "B", "C")
        for user in (owner, other_user):
            booking_create(user=user, train_number=number, seat_count=2, source="B", destination="C")
    with CaptureQueriesContext(connection) as many:
        assert superuser_client.get(LIST_URL).status_code == 200

    assert len(many) == len(few)


# A Thursday: the bookings below are for journeys from it on.
IN_BOOKING_WINDOW = time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC))


@IN_BOOKING_WINDOW
def test_the_list_and_the_booking_page_show_the_journey_date(superuser_client, train, owner):
    booking = booking_create(
        user=owner, train_number=200, seat_count=1, journey_date=datetime.date(2026, 12, 3)
    )

    listed = superuser_client.get(LIST_URL).content.decode()
    page = superuser_client.get(f"{LIST_URL}{booking.pk}/change/").content.decode()

    assert '<td class="field-journey_date nowrap">Dec. 3, 2026</td>' in listed
    assert "Journey date" in page
    assert "Dec. 3, 2026" in page


@IN_BOOKING_WINDOW
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"journey_date": "2026-11-27"}, {"201-friday", "202-friday"}),
        ({"journey_date": " 2026-11-28 "}, {"201-saturday"}),
        ({"journey_date": "2026-11-27", "train_number": "202"}, {"202-friday"}),
        ({"journey_date": "2026-11-27", "q": "mallory"}, {"202-friday"}),
        ({"journey_date": "2026-12-25"}, set()),
    ],
)
def test_the_list_filters_by_journey_date(superuser_client, make_train, owner, other_user, query, expected):
    make_train(201, 4, "Alpha", "Beta")
    make_train(202, 4, "Alpha", "Beta")
    friday, saturday = datetime.date(2026, 11, 27), datetime.date(2026, 11, 28)
    bookings = {
        "201-friday": booking_create(user=owner, train_number=201, seat_count=1, journey_date=friday),
        "201-saturday": booking_create(user=owner, train_number=201, seat_count=1, journey_date=saturday),
        "202-friday": booking_create(user=other_user, train_number=202, seat_count=1, journey_date=friday),
    }

    response = superuser_client.get(LIST_URL, query)

    assert response.status_code == 200
    shown = {booking.pk for booking in response.context["cl"].result_list}
    assert shown == {bookings[name].pk for name in expected}


@pytest.mark.parametrize("typed", ["2026-02-30", "27/11/2026", "tomorrow", "99999-01-01"])
def test_a_journey_date_that_is_no_date_filters_out_everything(superuser_client, train, owner, typed):
    booking_create(user=owner, train_number=200, seat_count=1)

    response = superuser_client.get(LIST_URL, {"journey_date": typed})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_the_journey_date_filter_is_a_box(superuser_client, train, owner):
    booking_create(user=owner, train_number=200, seat_count=1)

    page = superuser_client.get(LIST_URL).content.decode()

    assert 'name="journey_date"' in page
    assert 'placeholder="YYYY-MM-DD"' in page
