"""bench.sale_time sells random segments of a fresh hot journey through the sale function, and counts them."""

import re

import pytest
from django.db import connection

from bench import sale_time
from bench.seed import HOT_TRAIN_NUMBER, SeedSize, seed
from bookings.models import Booking
from bookings.tests.invariants import assert_inventory_is_consistent
from trains.models import Train

TINY = SeedSize(trains=3, stations=8, bookings=10, users=4, lister_bookings=2, hot_seats=8, hot_stops=5)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement sale is PostgreSQL's"),
]


@pytest.mark.parametrize("flag", [[], ["--lock-through-flush"]], ids=["procedure", "function"])
def test_each_round_sells_on_a_new_hot_journey_and_counts_what_it_booked(monkeypatch, capsys, flag):
    seed(size=TINY, seed=5, log=lambda message: None)
    # The test database and settings are already in place.
    monkeypatch.setattr("bench.seed.bench_environment_setdefault", lambda: None)

    assert sale_time.main(["--sales", "12", "--rounds", "2", "--seats", "8", *flag]) == 0

    rounds = re.findall(
        r"round (\d): [\d.]+ ms a sale \(median [\d.]+\), (\d+) of 12 booked", capsys.readouterr().out
    )
    assert [number for number, _ in rounds] == ["1", "2"]
    hot = Train.objects.get(train_number=HOT_TRAIN_NUMBER)
    # Eight seats on four legs take some of twelve requests of one or two seats, never all.
    assert 0 < int(rounds[-1][1]) == Booking.objects.filter(train=hot).count() < 12
    assert_inventory_is_consistent(hot)
