"""bench.promotion_time cancels a party of ten on sold-out journeys; the ten waiting first are seated."""

import random
import re

import pytest

from bench import promotion_time
from bench.seed import SeedSize, seed
from bookings.models import Booking
from trains.models import Train

TINY = SeedSize(trains=3, stations=8, bookings=10, users=4, lister_bookings=2, hot_seats=(8,), hot_stops=5)


@pytest.fixture
def bench_database(monkeypatch):
    seed(size=TINY, seed=5, log=lambda message: None)
    # The test database and settings are already in place.
    monkeypatch.setattr("bench.seed.bench_environment_setdefault", lambda: None)
    monkeypatch.setattr("bench.seed.database_create_if_missing", lambda url: None)
    monkeypatch.setenv("DATABASE_URL", "unused")
    # Set here, so that what main() sets by default is undone after the test: a server that a
    # later test starts inherits this process's environment.
    monkeypatch.setenv("ALLOWED_HOSTS", "testserver")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")


def test_a_journey_is_sold_out_to_a_party_of_ten_and_others_with_ten_single_passengers_waiting_first():
    bookings = promotion_time.journey_bookings(seats=40, waiting=25, rng=random.Random(2))

    seated = [booking for booking in bookings if booking.status == "confirmed"]
    waiting = [booking for booking in bookings if booking.status == "waitlisted"]
    assert bookings[: len(seated)] == seated and seated[0].party == 10
    assert sum(booking.party for booking in seated) == 40
    assert {(booking.from_position, booking.to_position) for booking in seated} == {(0, 9)}
    assert len(waiting) == 25
    assert [(booking.from_position, booking.to_position, booking.party) for booking in waiting[:10]] == [
        (0, 9, 1)
    ] * 10
    assert [booking.hold_requested for booking in waiting[:10]] == [False, True] * 5


@pytest.mark.django_db
def test_each_cancellation_serves_exactly_the_first_ten_waiting_and_the_train_is_removed_after(
    bench_database, capsys
):
    arguments = ["--repetitions", "3", "--warmup", "1", "--seats", "30", "--waiting", "16"]

    assert promotion_time.main(arguments) == 0

    output = capsys.readouterr().out
    assert re.search(r"serving 10 of 16 waiting, 3 timed after 1: median [\d.]+ ms, p95 [\d.]+ ms", output)
    assert "FAIL" not in output
    assert not Train.objects.filter(train_number=promotion_time.PROMOTION_TRAIN).exists()
    assert not Booking.objects.filter(train__train_number=promotion_time.PROMOTION_TRAIN).exists()


@pytest.mark.django_db
def test_a_cancellation_that_serves_no_one_fails_the_run(bench_database, monkeypatch, capsys):
    monkeypatch.setattr("bookings.services.waitlists.waitlist_serve", lambda **kwargs: [])

    assert (
        promotion_time.main(["--repetitions", "2", "--warmup", "0", "--seats", "30", "--waiting", "12"]) == 1
    )

    output = capsys.readouterr().out
    assert output.count("served 0 bookings, not the first 10") == 2
    # Ten seats free on each journey, and each of its twelve waiting bookings, of four at most, fits.
    assert "FAIL waiting bookings whose party fits in the seats free on their segment: 24" in output
