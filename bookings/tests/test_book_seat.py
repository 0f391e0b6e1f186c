"""POST /user/book_seat/: selling seats on a train or on a segment of its route."""

from datetime import datetime

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking, BookingSeat
from bookings.tests.client_calls import book
from railway.tests.bodies import error_body

URL = "/user/book_seat/"


def availability(client, source, destination):
    response = client.get("/user/get_seat_availability/", {"source": source, "destination": destination})
    assert response.status_code == 200, response.content
    return {row["train_number"]: row["available_seats"] for row in response.json()}


def test_it_returns_the_full_booking_object(owner, owner_client, make_train):
    make_train(7, 5, "A", "B", "C")

    response = book(owner_client, 7, 2, user_id=owner.pk)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "booking_id",
        "train_number",
        "journey_date",
        "user_id",
        "source",
        "destination",
        "seat_count",
        "seat_numbers",
        "status",
        "created_at",
        # What the booking product adds: a client that sends none of its fields sees only new keys.
        "pnr",
        "travel_class",
        "fare",
        "passengers",
        "refunded",
        # Holds and the waitlist: null for a booking sold outright.
        "expires_at",
        "hold_limit_at",
        "waitlist_position",
        "reason",
        "payment_reference",
    }
    booking = Booking.objects.get()
    assert body["booking_id"] == booking.pk
    assert body["train_number"] == 7
    assert body["user_id"] == owner.pk
    assert body["source"] == "A"
    assert body["destination"] == "C"
    assert body["seat_count"] == 2
    assert body["seat_numbers"] == [1, 2]
    assert body["status"] == "confirmed"
    assert datetime.fromisoformat(body["created_at"]) == booking.created_at


def test_it_defaults_user_id_to_the_token_user(owner, owner_client, make_train):
    make_train(7, 5)

    response = book(owner_client, 7)

    assert response.status_code == 201, response.content
    assert response.json()["user_id"] == owner.pk
    assert Booking.objects.get().user == owner


def test_it_books_a_segment_matching_station_names_loosely(owner_client, make_train):
    make_train(7, 5, "Alpha", "Beta", "Gamma", "Delta")

    response = book(owner_client, 7, 1, source="  bEtA ", destination="GAMMA  ")

    assert response.status_code == 201, response.content
    assert response.json()["source"] == "Beta"
    assert response.json()["destination"] == "Gamma"
    booking = Booking.objects.get()
    assert (booking.from_position, booking.to_position) == (1, 2)
    assert list(BookingSeat.objects.values_list("from_position", "to_position")) == [(1, 2)]


def test_it_defaults_a_missing_end_of_the_segment_to_the_route_end(owner_client, make_train):
    make_train(7, 5, "A", "B", "C", "D")

    from_b = book(owner_client, 7, source="B")
    to_c = book(owner_client, 7, destination="C")

    assert (from_b.json()["source"], from_b.json()["destination"]) == ("B", "D")
    assert (to_c.json()["source"], to_c.json()["destination"]) == ("A", "C")


def test_it_sells_a_seat_again_after_the_segment_it_was_sold_for(owner_client, make_train):
    make_train(7, 1, "A", "B", "C")

    first = book(owner_client, 7, source="A", destination="B")
    second = book(owner_client, 7, source="B", destination="C")

    assert first.status_code == 201, first.content
    assert second.status_code == 201, second.content
    assert first.json()["seat_numbers"] == second.json()["seat_numbers"] == [1]


@pytest.mark.parametrize(
    ("sold", "wanted"),
    [
        (("A", "C"), ("B", "D")),
        (("B", "C"), ("A", "D")),
        (("A", "D"), ("B", "C")),
        (("A", "B"), ("A", "B")),
    ],
)
def test_it_never_sells_a_seat_on_an_overlapping_segment(owner_client, make_train, sold, wanted):
    make_train(7, 1, "A", "B", "C", "D")
    assert book(owner_client, 7, source=sold[0], destination=sold[1]).status_code == 201

    response = book(owner_client, 7, source=wanted[0], destination=wanted[1])

    assert response.status_code == 409, response.content
    assert response.json()["available_seats"] == 0
    assert Booking.objects.count() == 1


def test_it_gives_one_booking_consecutive_seats(owner_client, make_train):
    make_train(7, 10)
    book(owner_client, 7, 1)  # seat 1
    pair = book(owner_client, 7, 2).json()  # seats 2, 3
    book(owner_client, 7, 1)  # seat 4
    five = book(owner_client, 7, 5).json()  # seats 5..9
    assert (pair["seat_numbers"], five["seat_numbers"]) == ([2, 3], [5, 6, 7, 8, 9])
    for booking in (pair, five):
        assert owner_client.post(f"/user/cancel_booking/{booking['booking_id']}/").status_code == 200
    # Free now: 2, 3 and 5..10; the lowest free seats (2, 3, 5, 6) are not adjacent.

    response = book(owner_client, 7, 4)

    assert response.status_code == 201, response.content
    assert response.json()["seat_numbers"] == [5, 6, 7, 8]


def test_it_takes_scattered_seats_when_no_run_is_free(owner_client, make_train):
    make_train(7, 5)
    bookings = [book(owner_client, 7, 1).json()["booking_id"] for _ in range(5)]
    for booking_id in bookings[::2]:  # free seats 1, 3 and 5
        owner_client.post(f"/user/cancel_booking/{booking_id}/")

    response = book(owner_client, 7, 3)

    assert response.status_code == 201, response.content
    assert response.json()["seat_numbers"] == [1, 3, 5]


def test_it_picks_the_seat_whose_free_stretch_fits_the_segment_tightest(owner_client, make_train):
    make_train(7, 2, "A", "B", "C")
    first = book(owner_client, 7, source="A", destination="B")
    assert first.json()["seat_numbers"] == [1]

    response = book(owner_client, 7, source="B", destination="C")

    assert response.status_code == 201, response.content
    assert response.json()["seat_numbers"] == [1]
    # Seat 2 stays whole, so the full journey can still be sold.
    assert book(owner_client, 7, source="A", destination="C").json()["seat_numbers"] == [2]


def test_best_fit_prefers_the_tight_seat_even_when_it_has_a_higher_number(owner_client, make_train):
    make_train(7, 2, "A", "B", "C")
    seat_one = book(owner_client, 7, source="A", destination="B").json()
    seat_two = book(owner_client, 7, source="A", destination="B").json()
    assert (seat_one["seat_numbers"], seat_two["seat_numbers"]) == ([1], [2])
    owner_client.post(f"/user/cancel_booking/{seat_one['booking_id']}/")
    # Seat 1 is empty; seat 2 is sold A->B, so only its B->C leg is free.

    response = book(owner_client, 7, source="B", destination="C")

    assert response.json()["seat_numbers"] == [2]


def test_best_fit_places_a_group_on_the_tightest_adjacent_seats(owner_client, make_train):
    make_train(7, 4, "A", "B", "C")
    front = book(owner_client, 7, 2, source="A", destination="B").json()
    back = book(owner_client, 7, 2, source="A", destination="B").json()
    assert (front["seat_numbers"], back["seat_numbers"]) == ([1, 2], [3, 4])
    owner_client.post(f"/user/cancel_booking/{front['booking_id']}/")
    # Seats 1, 2 are empty; seats 3, 4 are free only on B->C.

    response = book(owner_client, 7, 2, source="B", destination="C")

    assert response.json()["seat_numbers"] == [3, 4]
    assert book(owner_client, 7, 2, source="A", destination="C").json()["seat_numbers"] == [1, 2]


@pytest.mark.parametrize(
    ("seat_count", "code"),
    [
        (0, "min_value"),
        (11, "max_value"),
        (-1, "min_value"),
        ("abc", "invalid"),
        ("3", "invalid"),
        (1.5, "invalid"),
        (True, "invalid"),
        (None, "null"),
    ],
)
def test_it_rejects_a_bad_seat_count(owner_client, make_train, seat_count, code):
    make_train(7, 20)

    response = book(owner_client, 7, seat_count)

    assert response.status_code == 400, response.content
    body = error_body(response)
    assert set(body) == {"seat_count", "code"}
    assert isinstance(body["seat_count"], list)
    assert body["code"] == code
    assert not Booking.objects.exists()


def test_it_rejects_a_missing_seat_count(owner_client, make_train):
    make_train(7, 5)

    response = owner_client.post(URL, {"train_number": 7}, format="json")

    assert response.status_code == 400
    assert "seat_count" in response.json()


@pytest.mark.parametrize("train_number", ["7", "abc", 7.0, None])
def test_it_rejects_a_train_number_that_is_not_an_integer(owner_client, make_train, train_number):
    make_train(7, 5)

    response = book(owner_client, train_number)

    assert response.status_code == 400
    assert "train_number" in response.json()


@pytest.mark.parametrize(
    ("segment", "field", "code"),
    [
        ({"source": "Nowhere", "destination": "C"}, "source", "source_not_on_route"),
        ({"source": "A", "destination": "Nowhere"}, "destination", "destination_not_on_route"),
        ({"source": "C", "destination": "A"}, "destination", "wrong_order"),
        ({"source": "B", "destination": " b "}, "destination", "same_station"),
        ({"source": "C"}, "destination", "same_station"),
        ({"source": "   ", "destination": "C"}, "source", "blank"),
        ({"source": "", "destination": "C"}, "source", "blank"),
    ],
)
def test_it_rejects_a_segment_not_riding_forward_on_the_route(owner_client, make_train, segment, field, code):
    make_train(7, 5, "A", "B", "C")

    response = book(owner_client, 7, **segment)

    assert response.status_code == 400, response.content
    body = error_body(response)
    assert set(body) == {field, "code"}
    assert isinstance(body[field], list)
    assert body["code"] == code
    assert not Booking.objects.exists()


def test_it_rejects_a_station_of_another_train(owner_client, make_train):
    make_train(7, 5, "A", "B", "C")
    make_train(8, 5, "X", "Y")

    response = book(owner_client, 7, source="X", destination="C")

    assert response.status_code == 400
    assert error_body(response) == {
        "source": ["'X' is not on this train's route."],
        "code": "source_not_on_route",
    }


def test_it_requires_a_token(anon_client, make_train):
    make_train(7, 5)

    response = book(anon_client, 7)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert isinstance(response.json()["detail"], str)
    assert not Booking.objects.exists()


def test_it_rejects_an_invalid_token(make_train):
    make_train(7, 5)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = book(client, 7)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not Booking.objects.exists()


def test_it_rejects_booking_for_another_user(owner_client, other_user, make_train):
    make_train(7, 5)

    response = book(owner_client, 7, user_id=other_user.pk)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert isinstance(response.json()["detail"], str)
    assert not Booking.objects.exists()


@pytest.mark.parametrize("user_id", [987654, 0, -1, 2**64])
def test_it_rejects_an_unknown_user_id_with_403(owner_client, make_train, user_id):
    make_train(7, 5)

    response = book(owner_client, 7, user_id=user_id)

    assert response.status_code == 403
    assert not Booking.objects.exists()


@pytest.mark.parametrize("user_id", ["abc", 1.5, None, True, [1]])
def test_it_rejects_a_user_id_that_is_not_an_integer(owner_client, make_train, user_id):
    make_train(7, 5)

    response = book(owner_client, 7, user_id=user_id)

    assert response.status_code == 400
    assert "user_id" in response.json()
    assert not Booking.objects.exists()


def test_it_rejects_the_token_users_id_sent_as_a_string(owner, owner_client, make_train):
    make_train(7, 5)

    response = book(owner_client, 7, user_id=str(owner.pk))

    assert response.status_code == 400
    assert "user_id" in response.json()
    assert not Booking.objects.exists()


def test_it_does_not_let_staff_book_for_someone_else(staff_client, owner, make_train):
    make_train(7, 5)

    response = book(staff_client, 7, user_id=owner.pk)

    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_staff_may_book_for_themselves(staff, staff_client, make_train):
    make_train(7, 5)

    response = book(staff_client, 7, user_id=staff.pk)

    assert response.status_code == 201
    assert response.json()["user_id"] == staff.pk


def test_it_answers_404_for_an_unknown_train(owner_client, make_train):
    make_train(7, 5)

    response = book(owner_client, 8)

    assert response.status_code == 404
    assert error_body(response) == {"detail": "No train with this number.", "code": "train_not_found"}


def test_it_answers_409_with_the_seats_still_available(owner_client, make_train):
    make_train(7, 5, "A", "B", "C")
    book(owner_client, 7, 3, source="A", destination="B")

    response = book(owner_client, 7, 3, source="A", destination="C")

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "insufficient_seats"
    assert isinstance(body["detail"], str)
    assert body["available_seats"] == 2
    assert Booking.objects.count() == 1


def test_the_409_count_matches_the_availability_endpoint(owner_client, make_train):
    make_train(7, 4, "A", "B", "C", "D")
    book(owner_client, 7, 1, source="B", destination="C")
    book(owner_client, 7, 1, source="A", destination="B")
    book(owner_client, 7, 1, source="C", destination="D")
    shown = availability(owner_client, "A", "D")[7]

    response = book(owner_client, 7, shown + 1, source="A", destination="D")

    assert response.status_code == 409
    assert response.json()["available_seats"] == shown
    assert book(owner_client, 7, shown, source="A", destination="D").status_code == 201


def test_a_full_train_refuses_even_one_seat(owner_client, make_train):
    make_train(7, 2)
    assert book(owner_client, 7, 2).status_code == 201

    response = book(owner_client, 7, 1)

    assert response.status_code == 409
    assert response.json()["available_seats"] == 0


def test_it_rejects_a_body_that_is_not_a_json_object(owner_client, make_train):
    make_train(7, 5)

    response = owner_client.post(URL, [7, 1], format="json")

    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_it_rejects_malformed_json(owner_client, make_train):
    make_train(7, 5)

    response = owner_client.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
