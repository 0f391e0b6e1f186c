"""GET /user/get_booking_details/<id>/: a user's bookings, newest first."""

import datetime
from datetime import timedelta

import pytest

from bookings.apis import BookingOutputSerializer, booking_output
from bookings.models import Booking
from bookings.selectors import api_timestamp, booking_page, bookings_of_user
from bookings.tests.client_calls import as_listed, booked


def url(user_id):
    return f"/user/get_booking_details/{user_id}/"


@pytest.fixture
def train(make_train):
    return make_train(7, 10, "A", "B", "C")


def test_it_lists_own_bookings_newest_first_with_cancelled_ones(owner, owner_client, other_client, train):
    first = booked(owner_client, 7, 2)
    second = booked(owner_client, 7, 1, source="b", destination="c")
    third = booked(owner_client, 7, 1, source="A", destination="B")
    booked(other_client, 7, 1)
    cancelled = owner_client.post(f"/user/cancel_booking/{second['booking_id']}/").json()

    response = owner_client.get(url(owner.pk))

    assert response.status_code == 200
    assert response.json() == [third, as_listed(cancelled), first]
    assert cancelled["status"] == "cancelled"
    assert cancelled["source"] == "B"


def test_it_orders_by_creation_time(owner, owner_client, train):
    older = booked(owner_client, 7)
    newer = booked(owner_client, 7)
    Booking.objects.filter(pk=older["booking_id"]).update(
        created_at=Booking.objects.get(pk=newer["booking_id"]).created_at - timedelta(hours=1)
    )
    Booking.objects.filter(pk=newer["booking_id"]).update(
        created_at=Booking.objects.get(pk=older["booking_id"]).created_at - timedelta(hours=1)
    )

    response = owner_client.get(url(owner.pk))

    assert [row["booking_id"] for row in response.json()] == [older["booking_id"], newer["booking_id"]]


def test_it_answers_an_empty_list_for_a_user_without_bookings(owner, owner_client, other_client, train):
    booked(other_client, 7)

    response = owner_client.get(url(owner.pk))

    assert response.status_code == 200
    assert response.json() == []


def test_it_rejects_another_users_bookings(other_user, owner_client, other_client, train):
    booked(other_client, 7)

    response = owner_client.get(url(other_user.pk))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "booking_id" not in response.content.decode()


def test_it_rejects_an_unknown_user_id_for_a_non_staff_user(owner_client, train):
    response = owner_client.get(url(987654))

    assert response.status_code == 403


def test_staff_who_may_view_bookings_can_read_anyones_bookings(
    owner, owner_client, booking_staff_client, train
):
    booking = booked(owner_client, 7, 3)

    response = booking_staff_client.get(url(owner.pk))

    assert response.status_code == 200
    assert response.json() == [booking]


def test_a_superuser_can_read_anyones_bookings(owner, owner_client, admin_client_api, train):
    booking = booked(owner_client, 7)

    response = admin_client_api.get(url(owner.pk))

    assert response.status_code == 200
    assert response.json() == [booking]


@pytest.mark.parametrize("user_id", [987654, 0, 2**70])
def test_it_answers_404_to_staff_for_an_unknown_user(booking_staff_client, user_id):
    response = booking_staff_client.get(url(user_id))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_requires_a_token(owner, anon_client):
    response = anon_client.get(url(owner.pk))

    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("user_id", ["abc", "1.5", "-1", ""])
def test_a_non_integer_id_is_a_json_404(owner_client, user_id):
    response = owner_client.get(f"/user/get_booking_details/{user_id}/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.parametrize("microsecond", [0, 1, 999_999])
def test_list_timestamps_are_written_as_the_booking_object_writes_them(microsecond):
    moment = datetime.datetime(2026, 11, 25, 18, 1, 13, microsecond, tzinfo=datetime.UTC)
    field = BookingOutputSerializer().fields["created_at"]

    assert api_timestamp(moment) == field.to_representation(moment)
    in_kolkata = moment.astimezone(datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    assert api_timestamp(in_kolkata) == field.to_representation(in_kolkata)


def test_a_page_row_is_written_as_the_booking_serializer_writes_the_booking(owner, owner_client, train):
    for segment in ({}, {"source": "B"}, {"destination": "B"}):
        booked(owner_client, 7, 2, **segment)
    owner_client.post(f"/user/cancel_booking/{Booking.objects.order_by('id').first().pk}/")
    Booking.objects.filter(pk=Booking.objects.order_by("id").last().pk).update(
        created_at=datetime.datetime(2026, 11, 25, 18, 1, 13, 0, tzinfo=datetime.UTC)
    )
    bookings = bookings_of_user(user_id=owner.pk)

    page = booking_page(user_id=owner.pk, limit=10)

    assert [booking_output(row) for row in page.rows] == BookingOutputSerializer(bookings, many=True).data
    assert page.next_before is None
    assert booking_page(user_id=owner.pk, limit=2).next_before == (
        page.rows[1]["created_at"],
        page.rows[1]["id"],
    )
