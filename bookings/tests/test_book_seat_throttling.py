"""POST /user/book_seat/ is limited per user (OWASP API4): a client cannot book as fast as it can send."""

import pytest

from bookings.models import Booking
from conftest import client_for

URL = "/user/book_seat/"


@pytest.fixture
def train(make_train):
    return make_train(7, 50, "A", "B", "C")


@pytest.fixture
def limits(throttle_limits):
    throttle_limits(booking_user="2/min")


def book(client, **headers):
    return client.post(URL, {"train_number": 7, "seat_count": 1}, format="json", headers=headers)


def test_bookings_past_the_limit_get_429_with_retry_after_and_book_nothing(owner_client, train, limits):
    assert book(owner_client).status_code == 201
    assert book(owner_client).status_code == 201

    response = book(owner_client)

    assert response.status_code == 429, response.content
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Booking.objects.count() == 2


def test_the_limit_is_per_user_not_per_token(owner, train, limits):
    book(client_for(owner))
    book(client_for(owner))

    assert book(client_for(owner)).status_code == 429


def test_the_limit_leaves_other_users_alone(owner_client, other_client, train, limits):
    book(owner_client)
    book(owner_client)

    assert book(other_client).status_code == 201


def test_refused_and_replayed_requests_count_too(owner_client, train, limits):
    assert owner_client.post(URL, {"train_number": 7, "seat_count": 99}, format="json").status_code == 400
    assert book(owner_client, **{"Idempotency-Key": "k-1"}).status_code == 201

    assert book(owner_client, **{"Idempotency-Key": "k-1"}).status_code == 429


@pytest.mark.django_db
def test_an_anonymous_request_is_401_not_429(anon_client, train, limits):
    for _ in range(3):
        assert book(anon_client).status_code == 401
