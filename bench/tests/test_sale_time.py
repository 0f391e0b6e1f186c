"""bench.sale_time sells on a fresh hot journey each round through booking_create, and counts its sales."""

import re

import pytest
from django.db import connection

from bench import sale_time
from bench.invariants import inventory_violations
from bench.seed import HOT_TRAIN_NUMBER, SeedSize, seed
from bookings.models import Booking
from trains.models import Train

TINY = SeedSize(trains=3, stations=8, bookings=10, users=4, lister_bookings=2, hot_seats=(8,), hot_stops=5)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmark runs on PostgreSQL"),
]


def rounds_printed(output: str, sales: int) -> list[tuple[str, int]]:
    found = re.findall(rf"round (\d): [\d.]+ ms a sale \(median [\d.]+\), (\d+) of {sales} booked", output)
    return [(number, int(booked)) for number, booked in found]


@pytest.fixture
def tiny_network(monkeypatch):
    seed(size=TINY, seed=5, log=lambda message: None)
    # The test database and settings are already in place.
    monkeypatch.setattr("bench.seed.bench_environment_setdefault", lambda: None)


def test_each_round_sells_random_segments_on_a_new_hot_journey_and_counts_what_it_booked(
    tiny_network, capsys
):
    assert sale_time.main(["--sales", "12", "--rounds", "2", "--seats", "8"]) == 0

    rounds = rounds_printed(capsys.readouterr().out, 12)
    assert [number for number, _ in rounds] == ["1", "2"]
    hot = Train.objects.get(train_number=HOT_TRAIN_NUMBER)
    # Eight seats on four legs take some of twelve requests of one or two seats, never all.
    assert 0 < rounds[-1][1] == Booking.objects.filter(train=hot).count() < 12
    assert not any(inventory_violations(train_id=hot.pk).values())


def test_a_journey_sold_ahead_on_the_whole_route_sells_only_the_seats_left(tiny_network, capsys):
    arguments = ["--sales", "5", "--rounds", "1", "--seats", "10", "--seats-per-sale", "1"]

    assert sale_time.main([*arguments, "--whole-route", "--sold-ahead", "0.7"]) == 0

    # Seven of ten seats sold ahead: three of the five sales find a seat.
    assert rounds_printed(capsys.readouterr().out, 5) == [("1", 3)]
    hot = Train.objects.get(train_number=HOT_TRAIN_NUMBER)
    assert Booking.objects.filter(train=hot).count() == 7 + 3
    assert not any(inventory_violations(train_id=hot.pk).values())


def test_sales_of_the_second_half_beside_a_waitlist_report_the_holds_lapsed_and_bookings_served(
    tiny_network, capsys, settings
):
    # As the benchmark raises them (bench.seed.BENCH_LIMITS): the waiting bookings count against the cap.
    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = settings.BOOKING_MAX_SEATS_PER_USER = 1_000_000
    arguments = ["--sales", "12", "--rounds", "1", "--seats", "40", "--second-half", "--waitlisted"]

    assert sale_time.main([*arguments, "--holds-over", "0.2"]) == 0

    output = capsys.readouterr().out
    found = re.search(r"(\d+) of 2 holds lapsed, (\d+) of 200 waiting bookings served", output)
    assert found, output
    hot = Train.objects.get(train_number=HOT_TRAIN_NUMBER)
    hot_bookings = Booking.objects.filter(train=hot)
    assert int(found.group(1)) == hot_bookings.filter(cancel_reason="hold_expired").count()
    # Second-half segments of five stops (stops 2 to 4) on forty seats: all twelve sold, none waiting.
    assert rounds_printed(output, 12) == [("1", 12)]
    assert hot_bookings.filter(status="waitlisted").count() == 200 - int(found.group(2))
    assert not any(inventory_violations(train_id=hot.pk).values())
