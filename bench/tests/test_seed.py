"""A tiny seed gives a consistent inventory: masks match the seats held, every booking holds its seats."""

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token as NaiveToken
from rest_framework.test import APIClient

from bench.invariants import inventory_violations
from bench.naive.models import NaiveTrain
from bench.seed import HOT_TRAIN_NUMBER, LISTER_USERNAME, SeedSize, hot_train_reset, seed
from bookings.models import Booking, BookingSeat
from bookings.tests.invariants import assert_seat_masks_match_seats_held
from trains.models import Train
from users.models import Token, token_digest

TINY = SeedSize(trains=6, stations=12, bookings=60, users=4, lister_bookings=10, hot_seats=8, hot_stops=5)


@pytest.mark.django_db
def test_a_tiny_seed_is_consistent():
    report = seed(size=TINY, seed=3, log=lambda message: None)

    assert report.bookings == Booking.objects.count() == 60
    assert report.seats_held == BookingSeat.objects.count()
    assert Booking.objects.filter(user__username=LISTER_USERNAME).count() == 10
    for train in Train.objects.all():
        assert_seat_masks_match_seats_held(train)
    assert not any(inventory_violations().values())
    hot = Train.objects.get(train_number=HOT_TRAIN_NUMBER)
    assert (hot.total_seats, hot.stops.count(), Booking.objects.filter(train=hot).count()) == (8, 5, 0)
    assert NaiveTrain.objects.get(train_number=HOT_TRAIN_NUMBER).available_seats == 8
    assert NaiveTrain.objects.count() == TINY.trains + 1


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_bookings():
    def bookings() -> list[tuple]:
        return list(Booking.objects.order_by("id").values_list("train_id", "from_position", "seat_numbers"))

    seed(size=TINY, seed=5, log=lambda message: None)
    first = bookings()
    seed(size=TINY, seed=5, log=lambda message: None)

    assert bookings() == first


@pytest.mark.django_db
def test_the_hot_train_is_recreated_empty():
    seed(size=TINY, seed=3, log=lambda message: None)
    hot_id = hot_train_reset()
    BookingSeat.objects.create(
        train_id=hot_id,
        from_position=0,
        to_position=1,
        seat_number=1,
        booking=Booking.objects.create(
            user_id=1, train_id=hot_id, from_position=0, to_position=1, seat_count=1, seat_numbers=[1]
        ),
    )

    hot_id = hot_train_reset()

    assert not Booking.objects.filter(train_id=hot_id).exists()
    assert Train.objects.get(pk=hot_id).seats.count() == 8


@pytest.mark.django_db
def test_every_load_user_has_one_key_that_both_the_service_and_the_baseline_accept():
    seed(size=TINY, seed=3, log=lambda message: None)

    keys = dict(NaiveToken.objects.values_list("user_id", "key"))
    digests = dict(Token.objects.filter(expires_at__gt=timezone.now()).values_list("user_id", "digest"))
    assert len(keys) == TINY.users + 1
    assert digests == {user_id: token_digest(key) for user_id, key in keys.items()}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {keys[1]}")
    assert client.get("/user/get_booking_details/1/").status_code == 200
