"""POST /user/cancel_booking/<booking_id>/: cancelling frees exactly the booking's seats at once."""

import pytest

from bookings.models import Booking, BookingSeat
from bookings.tests.client_calls import available, booked, cancelled_whole
from bookings.tests.invariants import assert_inventory_is_consistent
from railway.tests.bodies import error_body


def url(booking_id):
    return f"/user/cancel_booking/{booking_id}/"


def seats_held(booking):
    rows = BookingSeat.objects.filter(booking_id=booking["booking_id"])
    return sorted(
        (held.seat_number, leg) for held in rows for leg in range(held.from_position, held.to_position)
    )


@pytest.fixture
def train(make_train):
    return make_train(7, 6, "A", "B", "C", "D")


def test_it_answers_the_booking_marked_cancelled(owner_client, train):
    booking = booked(owner_client, 7, 2, source="B", destination="D")

    response = owner_client.post(url(booking["booking_id"]))

    assert response.status_code == 200, response.content
    assert response.json() == cancelled_whole(booking)
    assert Booking.objects.get(pk=booking["booking_id"]).status == "cancelled"


def test_it_frees_the_seats_at_once(owner_client, train):
    booking = booked(owner_client, 7, 4, source="B", destination="C")
    assert available(owner_client, "B", "C") == {7: 2}

    owner_client.post(url(booking["booking_id"]))

    assert available(owner_client, "B", "C") == {7: 6}
    assert available(owner_client, "A", "D") == {7: 6}
    assert seats_held(booking) == []
    # The freed legs are joined to the free legs either side: one stretch over the route per seat.
    assert_inventory_is_consistent(train)


def test_the_same_seats_are_bookable_again_on_exactly_that_segment(owner_client, other_client, train):
    kept_before = booked(other_client, 7, 2, source="A", destination="B")
    kept_after = booked(other_client, 7, 2, source="C", destination="D")
    booking = booked(owner_client, 7, 4, source="B", destination="C")
    held_by_others = seats_held(kept_before) + seats_held(kept_after)

    owner_client.post(url(booking["booking_id"]))

    assert seats_held(kept_before) + seats_held(kept_after) == held_by_others
    rebooked = booked(other_client, 7, 4, source="B", destination="C")
    assert rebooked["seat_numbers"] == booking["seat_numbers"]
    # The other bookings' seats are still sold on their own legs.
    assert available(owner_client, "A", "B") == {7: 4}
    assert available(owner_client, "C", "D") == {7: 4}
    assert_inventory_is_consistent(train)


def test_it_leaves_other_bookings_untouched(owner_client, other_client, train):
    mine = booked(owner_client, 7, 2)
    theirs = booked(other_client, 7, 2)
    theirs_held = seats_held(theirs)

    owner_client.post(url(mine["booking_id"]))

    assert Booking.objects.get(pk=theirs["booking_id"]).status == "confirmed"
    assert seats_held(theirs) == theirs_held
    assert available(owner_client, "A", "D") == {7: 4}


def test_it_rejects_another_users_booking(owner_client, other_client, train):
    booking = booked(owner_client, 7, 2)

    response = other_client.post(url(booking["booking_id"]))

    assert response.status_code == 403
    assert response.json()["code"] == "not_booking_owner"
    assert Booking.objects.get(pk=booking["booking_id"]).status == "confirmed"
    assert len(seats_held(booking)) == 2 * 3


def test_staff_who_may_change_bookings_may_cancel_anyones_booking(owner_client, booking_staff_client, train):
    booking = booked(owner_client, 7, 2)

    response = booking_staff_client.post(url(booking["booking_id"]))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["user_id"] == booking["user_id"]
    assert available(owner_client, "A", "D") == {7: 6}


def test_it_answers_404_for_an_unknown_booking(owner_client):
    response = owner_client.post(url(987654))

    assert response.status_code == 404
    assert error_body(response) == {"detail": "No booking with this id.", "code": "booking_not_found"}


def test_it_answers_404_for_an_id_too_large_for_any_booking(owner_client):
    response = owner_client.post(url(2**70))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_non_integer_booking_id_is_a_json_404(owner_client):
    response = owner_client.post("/user/cancel_booking/abc/")

    assert response.status_code == 404
    assert response.json()["detail"]


def test_it_answers_409_when_already_cancelled(owner_client, other_client, train):
    booking = booked(owner_client, 7, 2)
    owner_client.post(url(booking["booking_id"]))
    # The freed seats are sold again; a second cancel must not free them.
    resold = booked(other_client, 7, 6)

    response = owner_client.post(url(booking["booking_id"]))

    assert response.status_code == 409
    assert response.json()["code"] == "already_cancelled"
    assert len(seats_held(resold)) == 6 * 3


def test_it_requires_a_token(owner_client, anon_client, train):
    booking = booked(owner_client, 7)

    response = anon_client.post(url(booking["booking_id"]))

    assert response.status_code == 401
    assert Booking.objects.get(pk=booking["booking_id"]).status == "confirmed"


def test_get_is_not_allowed(owner_client, train):
    booking = booked(owner_client, 7)

    response = owner_client.get(url(booking["booking_id"]))

    assert response.status_code == 405
    assert Booking.objects.get(pk=booking["booking_id"]).status == "confirmed"
