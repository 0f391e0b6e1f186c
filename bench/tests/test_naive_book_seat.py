"""The naive baseline endpoint books while the counter lasts, then refuses with 409."""

import pytest
from rest_framework.authtoken.models import Token as NaiveToken
from rest_framework.test import APIClient

from bench.naive.models import NaiveBooking, NaiveTrain

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]


def client_for(user) -> APIClient:
    """Return a client with the user's DRF token, the kind the naive baseline authenticates."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {NaiveToken.objects.create(user=user).key}")
    return client


@pytest.fixture
def naive_train(db) -> NaiveTrain:
    return NaiveTrain.objects.create(train_number=7, total_seats=3, available_seats=3)


def test_it_books_then_refuses_when_the_counter_runs_out(owner, naive_train):
    client = client_for(owner)

    first = client.post("/naive/book_seat/", {"train_number": 7, "seat_count": 2}, format="json")
    second = client.post("/naive/book_seat/", {"train_number": 7, "seat_count": 2}, format="json")

    assert first.status_code == 201
    assert first.json()["booking_id"] == NaiveBooking.objects.get().pk
    assert first.json()["seat_count"] == 2
    assert second.status_code == 409
    assert second.json()["available_seats"] == 1
    naive_train.refresh_from_db()
    assert naive_train.available_seats == 1


def test_it_requires_a_token(anon_client, naive_train):
    answer = anon_client.post("/naive/book_seat/", {"train_number": 7, "seat_count": 1}, format="json")

    assert answer.status_code == 401


def test_it_answers_404_for_an_unknown_train(owner, naive_train):
    answer = client_for(owner).post("/naive/book_seat/", {"train_number": 8, "seat_count": 1}, format="json")

    assert answer.status_code == 404
