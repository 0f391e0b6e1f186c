"""Idempotency-Key on POST /user/book_seat/: a retry replays the first answer and books nothing more."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.allocation import Candidate
from bookings.models import Booking, IdempotencyRecord
from railway.tests.bodies import error_body

URL = "/user/book_seat/"


def post(client, body, key):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def train(make_train):
    return make_train(7, 3, "A", "B", "C")


def test_a_retry_replays_the_first_booking_and_books_nothing_more(owner_client, train):
    body = {"train_number": 7, "seat_count": 2}
    first = post(owner_client, body, "key-1")

    retry = post(owner_client, body, "key-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1


def test_a_retry_with_the_same_body_in_another_key_order_is_a_replay(owner_client, train):
    first = post(owner_client, {"train_number": 7, "seat_count": 1, "source": "A"}, "key-1")

    retry = post(owner_client, {"source": "A", "seat_count": 1, "train_number": 7}, "key-1")

    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert Booking.objects.count() == 1


def test_a_new_key_books_again(owner_client, train):
    body = {"train_number": 7, "seat_count": 1}
    first = post(owner_client, body, "key-1")

    second = post(owner_client, body, "key-2")

    assert second.status_code == 201
    assert second.json()["booking_id"] != first.json()["booking_id"]
    assert Booking.objects.count() == 2


def test_requests_without_a_key_are_not_deduplicated(owner_client, train):
    body = {"train_number": 7, "seat_count": 1}

    owner_client.post(URL, body, format="json")
    owner_client.post(URL, body, format="json")

    assert Booking.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_a_retry_replays_a_409_even_after_seats_are_freed(owner_client, other_client, train):
    full = other_client.post(URL, {"train_number": 7, "seat_count": 3}, format="json").json()
    body = {"train_number": 7, "seat_count": 1}
    first = post(owner_client, body, "key-1")
    assert first.status_code == 409
    other_client.post(f"/user/cancel_booking/{full['booking_id']}/")

    retry = post(owner_client, body, "key-1")

    assert retry["Idempotent-Replayed"] == "true"
    assert retry.status_code == 409
    assert retry.json() == first.json()
    assert retry.json()["available_seats"] == 0
    assert not Booking.objects.filter(status="confirmed").exists()


def test_a_retry_replays_a_400(owner_client, train):
    body = {"train_number": 7, "seat_count": 11}
    first = post(owner_client, body, "key-1")

    retry = post(owner_client, body, "key-1")

    assert retry["Idempotent-Replayed"] == "true"
    assert first.status_code == retry.status_code == 400
    assert retry.json() == first.json()
    assert "seat_count" in retry.json()
    assert not Booking.objects.exists()


def test_a_retry_replays_a_404_even_after_the_train_appears(owner_client, make_train):
    body = {"train_number": 8, "seat_count": 1}
    first = post(owner_client, body, "key-1")
    assert first.status_code == 404
    make_train(8, 5)

    retry = post(owner_client, body, "key-1")

    assert retry["Idempotent-Replayed"] == "true"
    assert retry.status_code == 404
    # The replay is the first answer, down to the id of the request that gave it.
    assert retry.json() == first.json()
    assert error_body(first) == {"detail": "No train with this number.", "code": "train_not_found"}
    assert not Booking.objects.exists()


def test_a_retry_replays_a_403(owner_client, other_user, train):
    body = {"train_number": 7, "seat_count": 1, "user_id": other_user.pk}
    first = post(owner_client, body, "key-1")

    retry = post(owner_client, body, "key-1")

    assert retry["Idempotent-Replayed"] == "true"
    assert first.status_code == retry.status_code == 403
    assert retry.json() == first.json()
    assert not Booking.objects.exists()


def test_it_rejects_the_same_key_with_a_different_body(owner_client, train):
    post(owner_client, {"train_number": 7, "seat_count": 1}, "key-1")

    response = post(owner_client, {"train_number": 7, "seat_count": 2}, "key-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Booking.objects.count() == 1
    assert Booking.objects.get().seat_count == 1


def test_it_rejects_a_reused_key_even_when_the_first_request_failed(owner_client, train):
    post(owner_client, {"train_number": 7, "seat_count": 0}, "key-1")

    response = post(owner_client, {"train_number": 7, "seat_count": 1}, "key-1")

    assert response.status_code == 422
    assert not Booking.objects.exists()


def test_another_users_identical_key_is_unrelated(owner, other_user, owner_client, other_client, train):
    body = {"train_number": 7, "seat_count": 1}
    mine = post(owner_client, body, "shared-key")

    theirs = post(other_client, body, "shared-key")

    assert theirs.status_code == 201
    assert theirs.json()["booking_id"] != mine.json()["booking_id"]
    assert theirs.json()["user_id"] == other_user.pk
    assert Booking.objects.filter(user=owner).count() == 1
    assert Booking.objects.filter(user=other_user).count() == 1


def test_another_users_identical_key_with_another_body_is_not_a_reuse(owner_client, other_client, train):
    post(owner_client, {"train_number": 7, "seat_count": 1}, "shared-key")

    theirs = post(other_client, {"train_number": 7, "seat_count": 2}, "shared-key")

    assert theirs.status_code == 201


def test_it_accepts_a_key_of_255_characters(owner_client, train):
    body = {"train_number": 7, "seat_count": 1}

    first = post(owner_client, body, "k" * 255)
    retry = post(owner_client, body, "k" * 255)

    assert first.status_code == retry.status_code == 201
    assert Booking.objects.count() == 1


def test_it_rejects_a_key_longer_than_255_characters(owner_client, train):
    response = post(owner_client, {"train_number": 7, "seat_count": 1}, "k" * 256)

    assert response.status_code == 400
    assert isinstance(response.json()["Idempotency-Key"], list)
    assert not Booking.objects.exists()


@pytest.mark.parametrize("key", ["", "   "])
def test_it_rejects_a_blank_key(owner_client, train, key):
    response = post(owner_client, {"train_number": 7, "seat_count": 1}, key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Booking.objects.exists()


@pytest.mark.parametrize("key", ["key\x00-1", "key\x1f-1", "key\x7f-1", "key\n-1", "key\x85-1", "key\x9f-1"])
def test_it_rejects_a_key_with_control_characters(owner_client, train, key):
    response = post(owner_client, {"train_number": 7, "seat_count": 1}, key)

    assert response.status_code == 400
    assert "control characters" in response.json()["Idempotency-Key"][0]
    assert not Booking.objects.exists()


def test_a_key_is_kept_for_24_hours(owner_client, train):
    body = {"train_number": 7, "seat_count": 1}
    post(owner_client, body, "key-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=59))

    retry = post(owner_client, body, "key-1")

    assert retry.status_code == 201
    assert Booking.objects.count() == 1


def test_an_expired_key_runs_the_request_anew(owner_client, train):
    body = {"train_number": 7, "seat_count": 1}
    first = post(owner_client, body, "key-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    again = post(owner_client, body, "key-1")

    assert again.status_code == 201
    assert again.json()["booking_id"] != first.json()["booking_id"]
    assert Booking.objects.count() == 2


def test_purging_deletes_only_expired_keys(owner, owner_client, make_train):
    make_train(7, 5)
    for key in ("old", "fresh"):
        owner_client.post(
            "/user/book_seat/",
            {"train_number": 7, "seat_count": 1},
            format="json",
            headers={"Idempotency-Key": key},
        )
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))

    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    assert "Deleted 1 " in out.getvalue()


def a_seat_rule_that_picks_seat_1_though_it_is_sold(monkeypatch):
    """Make the engine write seat 1 whatever is sold, as a sale bypassing the journey's lock would."""
    monkeypatch.setattr(
        "bookings.inventory.seats_choose",
        lambda *, state, **rule: [Candidate(seat_number=1, from_position=0, to_position=2)],
    )


# Committed for real, as outside tests: a sale then rolls back in a transaction of its own.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", [None, "key-1"])
def test_a_seat_the_database_refuses_is_a_409_seats_taken_with_or_without_a_key(
    owner_client, train, monkeypatch, key
):
    assert post(owner_client, {"train_number": 7, "seat_count": 1}, "first").status_code == 201
    a_seat_rule_that_picks_seat_1_though_it_is_sold(monkeypatch)
    body = {"train_number": 7, "seat_count": 1}

    refused = post(owner_client, body, key) if key else owner_client.post(URL, body, format="json")

    assert refused.status_code == 409
    assert refused.json()["code"] == "seats_taken"
    assert Booking.objects.count() == 1
    if key:
        # The refusal is the key's answer, as any other 4xx.
        retry = post(owner_client, body, key)
        assert retry["Idempotent-Replayed"] == "true"
        assert retry.json() == refused.json()
