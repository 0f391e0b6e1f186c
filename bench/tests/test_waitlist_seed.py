"""The hot journey seeded with a waitlist and holds is what the service would have written, and sells on."""

import datetime
import json
import random
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token as NaiveToken
from rest_framework.test import APIClient

from bench.invariants import (
    STRETCHES_CHECK,
    WAITING_CHECK,
    inventory_violations,
    waiting_that_fit,
    waitlist_summary,
)
from bench.run import HOLD_SHARE, WAITING_BOOKINGS, booking_target, load_data, scenarios
from bench.seed import (
    HOT_TRAIN_NUMBER,
    SeededBooking,
    SeedSize,
    busy_stretch_end,
    hot_journey_open_waitlisted,
    hot_train_reset,
    journey_dates_ahead,
    journey_open_with,
    seed,
)
from bookings import inventory
from bookings.models import Booking, BookingSeat, FreeStretch, Passenger

# A hot train of five stops: the busy stretch is stops 0 to 2.
TINY = SeedSize(trains=3, stations=8, bookings=10, users=4, lister_bookings=2, hot_seats=(40,), hot_stops=5)


def quiet(message: str) -> None:
    pass


@pytest.fixture
def waitlist_date() -> datetime.date:
    seed(size=TINY, seed=3, log=quiet)
    # Two days ahead: the journey's chart is a day away, so that bookings may wait and hold.
    return journey_dates_ahead(train_number=HOT_TRAIN_NUMBER, count=2)[-1]


def client_of(user_id: int) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {NaiveToken.objects.get(user_id=user_id).key}")
    return client


def sale_of_second_half(day: datetime.date, *, hold: bool = False) -> str:
    """Return the body book.lua sends for a line of the hot-waitlist targets: the route's last leg."""
    target = booking_target(
        train_number=HOT_TRAIN_NUMBER,
        journey_date=day,
        source="Station 0004",
        destination="Station 0005",
        **({"hold": True} if hold else {}),
    )
    return f'{{{target}, "travel_class": "GEN", "passengers": [{{"name": "Asha Rao", "age": 34}}]}}'


@pytest.mark.django_db
def test_the_busy_stretch_is_sold_out_to_parties_and_holds_and_the_waiting_bookings_hold_no_seat(
    waitlist_date,
):
    hot_id = hot_train_reset(seats=40)
    now = timezone.now()
    ends = (now + datetime.timedelta(seconds=10), now + datetime.timedelta(seconds=20))

    ahead = hot_journey_open_waitlisted(
        journey_date=waitlist_date, waiting=12, holds=5, holds_end=ends, seed=4
    )

    assert ahead.busy_to == busy_stretch_end(leg_count=4) == 2
    bookings = list(Booking.objects.filter(train_id=hot_id).order_by("id"))
    assert len(bookings) == ahead.confirmed + ahead.held + ahead.waiting
    assert [booking.status for booking in bookings] == (
        ["held"] * 5 + ["confirmed"] * ahead.confirmed + ["waitlisted"] * 12
    )
    assert (bookings[-12].pk, bookings[-1].pk) == ahead.waiting_ids
    seated, waiting = bookings[:-12], bookings[-12:]
    # Every seat sold on the busy stretch, none beyond it.
    assert sum(booking.seat_count for booking in seated) == 40
    assert {(booking.from_position, booking.to_position) for booking in seated} == {(0, 2)}
    assert sorted(
        FreeStretch.objects.filter(train_id=hot_id).values_list("seat_number", "from_position", "to_position")
    ) == [(seat, 2, 4) for seat in range(1, 41)]
    # The holds end evenly over the window, each one seat, with the limit of a hold begun TTL before.
    holds = seated[:5]
    assert [hold.expires_at for hold in holds] == [
        ends[0] + (ends[1] - ends[0]) * (n + 0.5) / 5 for n in range(5)
    ]
    for hold in holds:
        assert hold.seat_count == 1 and hold.hold_requested
        assert hold.hold_limit_at - hold.expires_at == datetime.timedelta(
            seconds=settings.HOLD_MAX_SECONDS - settings.HOLD_TTL_SECONDS
        )
    assert set(Passenger.objects.filter(booking__in=holds).values_list("status", flat=True)) == {"held"}
    # Waiting: on the busy stretch, no seat, their passengers waiting with none.
    assert ahead.waiting_passengers == sum(booking.seat_count for booking in waiting)
    assert all(0 <= booking.from_position < booking.to_position <= 2 for booking in waiting)
    assert all(booking.seat_numbers == [] and booking.expires_at is None for booking in waiting)
    assert not BookingSeat.objects.filter(booking__in=waiting).exists()
    assert set(Passenger.objects.filter(booking__in=waiting).values_list("status", "seat_number")) == {
        ("waitlisted", None)
    }
    assert not any(inventory_violations(train_id=hot_id).values())


@pytest.mark.django_db
def test_a_sale_after_the_holds_ended_lapses_them_and_seats_the_waiting_bookings_that_fit(
    waitlist_date,
):
    hot_id = hot_train_reset(seats=40)
    now = timezone.now()
    ended = (now - datetime.timedelta(seconds=20), now - datetime.timedelta(seconds=10))
    ahead = hot_journey_open_waitlisted(
        journey_date=waitlist_date, waiting=12, holds=5, holds_end=ended, seed=4
    )
    first, last = ahead.waiting_ids
    assert waitlist_summary(train_id=hot_id, waiting_ids=ahead.waiting_ids) == {
        "waiting_served": 0,
        "still_waiting": 12,
        "holds_lapsed": 0,
        "holds_ended_unwritten": 5,
    }

    answer = client_of(1).post(
        "/user/book_seat/", sale_of_second_half(waitlist_date, hold=True), content_type="application/json"
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "held"
    summary = waitlist_summary(train_id=hot_id, waiting_ids=ahead.waiting_ids)
    assert summary["holds_lapsed"] == 5 and summary["holds_ended_unwritten"] == 0
    # Five seats freed on the busy stretch: some waiting bookings fit and were seated, the others wait.
    assert summary["waiting_served"] > 0
    assert summary["waiting_served"] + summary["still_waiting"] == 12
    served = Booking.objects.filter(pk__range=(first, last)).exclude(status="waitlisted")
    assert BookingSeat.objects.filter(booking__in=served).count() == sum(b.seat_count for b in served)
    assert waiting_that_fit(train_id=hot_id) == []
    assert not any(inventory_violations(train_id=hot_id).values())


@pytest.mark.django_db
def test_a_waiting_booking_that_would_fit_is_refused_by_the_seed_and_reported_by_the_checks(waitlist_date):
    hot_id = hot_train_reset(seats=40)
    with pytest.raises(ValueError, match="would fit"):
        journey_open_with(
            train_id=hot_id,
            journey_date=waitlist_date,
            bookings=[
                SeededBooking(0, 2, 39),
                SeededBooking(0, 4, 2, "waitlisted"),
                SeededBooking(0, 4, 1, "waitlisted"),
            ],
        )
    assert not Booking.objects.filter(train_id=hot_id).exists()

    ids = journey_open_with(
        train_id=hot_id,
        journey_date=waitlist_date,
        bookings=[SeededBooking(0, 2, 40), SeededBooking(0, 4, 1, "waitlisted")],
    )
    assert not any(inventory_violations(train_id=hot_id).values())

    # Seats freed without serving the waitlist, as no path of the service frees them.
    inventory.seats_release(booking=Booking.objects.get(pk=ids[0]), seats=[7])

    assert waiting_that_fit(train_id=hot_id) == [ids[1]]
    violations = inventory_violations(train_id=hot_id, naive=False)
    assert {name: count for name, count in violations.items() if count} == {
        WAITING_CHECK: 1,
        "bookings not holding exactly their seated passengers' seats on their journey and segment": 1,
        "seated passengers without their seat held": 1,
    }


@pytest.mark.django_db
def test_a_seat_held_by_a_waiting_booking_and_a_status_apart_from_the_booking_s_are_reported(waitlist_date):
    hot_id = hot_train_reset(seats=40)
    ids = journey_open_with(
        train_id=hot_id,
        journey_date=waitlist_date,
        bookings=[SeededBooking(0, 2, 40), SeededBooking(0, 2, 2, "waitlisted")],
    )
    BookingSeat.objects.create(
        booking_id=ids[1],
        seat_number=1,
        train_id=hot_id,
        journey_date=waitlist_date,
        from_position=2,
        to_position=4,
    )

    violations = inventory_violations(train_id=hot_id, naive=False)
    assert {name: count for name, count in violations.items() if count} == {
        "bookings not holding exactly their seated passengers' seats on their journey and segment": 1,
        "seats held for no seated passenger": 1,
        "waiting passengers with a seat": 2,
        STRETCHES_CHECK: 1,
    }

    BookingSeat.objects.filter(booking_id=ids[1]).delete()
    Passenger.objects.filter(booking_id=ids[0], passenger_id__lte=3).update(status="held")

    violations = inventory_violations(train_id=hot_id, naive=False)
    assert {name: count for name, count in violations.items() if count} == {
        "passengers not cancelled whose status is not their booking's": 3
    }


def test_the_busy_stretch_is_the_first_half_of_the_route():
    assert [busy_stretch_end(leg_count=legs) for legs in (2, 4, 9)] == [1, 2, 4]


@pytest.mark.django_db
def test_the_hot_waitlist_scenario_resets_the_journey_and_its_load_sells_the_second_half(
    waitlist_date, tmp_path, settings
):
    # As the benchmark raises them (bench.seed.BENCH_LIMITS): the waiting bookings count against the cap.
    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = settings.BOOKING_MAX_SEATS_PER_USER = 1_000_000
    data = load_data(tmp_path, rng=random.Random(1), hot_date_count=2)
    scenario = scenarios(
        data["paths"],
        hot_seats=(40,),
        hot_dates=data["hot_dates"],
        seed=1,
        waitlist_date=waitlist_date,
        window_s=2,
    )[("hot-waitlist", 40)]
    assert data["waitlist_date"] == waitlist_date

    ahead = scenario.reset()

    hot_id = scenario.hot_train_id()
    # Ten holds a second for the two seconds of the window.
    assert (ahead["waiting"], ahead["held"], ahead["busy_to"]) == (WAITING_BOOKINGS, 20, 2)
    assert Booking.objects.filter(train_id=hot_id, status="waitlisted").count() == WAITING_BOOKINGS
    lines = Path(scenario.env["BENCH_TARGETS"]).read_text().split("\n")[:20]
    targets = [json.loads("{" + line + "}") for line in lines]
    assert all(target["journey_date"] == waitlist_date.isoformat() for target in targets)
    assert [("hold" in target) for target in targets] == [number % HOLD_SHARE == 0 for number in range(20)]
    client = client_of(1)
    for line, target in zip(lines, targets, strict=True):
        body = f'{{{line}, "travel_class": "GEN", "passengers": [{{"name": "Asha Rao", "age": 34}}]}}'
        answer = client.post("/user/book_seat/", body, content_type="application/json")
        assert answer.status_code == 201, answer.content
        assert answer.json()["status"] == ("held" if "hold" in target else "confirmed")
        # The second half of the route: stops 2 to 4 of five.
        assert answer.json()["source"] in ("Station 0003", "Station 0004")
    assert not any(inventory_violations(train_id=hot_id).values())
