"""The waitlist and the chart under real concurrency: threads, each on its own PostgreSQL connection,
cancel, book, read and prepare charts at once on one journey.

The clock is stopped (time_machine, which every thread sees). Whatever the interleaving, the seats
freed reach the waiting bookings in order and only as many as were freed, no waiting booking fits
between transactions, and the chart cancels every booking still waiting exactly once, at its time.
"""

import datetime
import io
import random
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bookings.journey_events import charts_prepare
from bookings.models import Booking, Journey, Passenger
from bookings.tests.concurrency import (
    Call,
    Task,
    assert_answers_documented,
    book_call,
    make_passengers,
    run_together,
)
from bookings.tests.invariants import assert_bookings_agree_with_their_seats, seat_legs_held, seats_free_on
from bookings.tests.product_train import CHART_AT, DAY, HOURS, SECOND, START, at, sleeper_create
from conftest import client_for
from trains.coach_plans import CoachPlan
from trains.fares import FarePlan
from trains.models import Stop, Train
from trains.services import train_create
from users.models import User

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent clients need PostgreSQL"),
]

WORKERS = 16
STOPS = ["Pune", "Lonavala", "Karjat", "Kalyan"]
# The 3A berths of the train of four stops: two coaches of six.
BERTHS_3A = set(range(1, 13))


def train_of_four_stops(train_number: int) -> Train:
    """Create a train from Pune (10:00 UTC) by Lonavala and Karjat to Kalyan with twelve 3A berths in two
    coaches and eight SL berths."""
    train = train_create(
        train_number=train_number,
        source=STOPS[0],
        destination=STOPS[-1],
        stops=STOPS,
        distances_km=[0, 64, 100, 140],
        total_seats=20,
        coaches=[
            CoachPlan("B1", "3A", 6, "berths-6"),
            CoachPlan("B2", "3A", 6, "berths-6"),
            CoachPlan("S1", "SL", 8, "berths-8"),
        ],
        fares=[FarePlan("3A", "2.50", "300.00"), FarePlan("SL", "0.80", "120.00")],
    )
    train.departs_at = datetime.time(10, 0)
    train.save(update_fields=["departs_at"])
    for position, (arrival, departure) in enumerate([(None, 0), (1, 1), (2, 2), (3, None)]):
        Stop.objects.filter(train=train, position=position).update(
            arrival=None if arrival is None else arrival * HOURS,
            departure=None if departure is None else departure * HOURS,
        )
    return train


def ride(train_number: int, source: str, destination: str, size: int, name: str, **fields) -> dict:
    """Return a book_seat body for `size` named passengers riding 3A from `source` to `destination` on DAY."""
    return {
        "train_number": train_number,
        "journey_date": DAY.isoformat(),
        "travel_class": "3A",
        "source": source,
        "destination": destination,
        "passengers": [{"name": f"{name} {number}", "age": 30 + number} for number in range(1, size + 1)],
        **fields,
    }


def booked_by(user: User, body: dict) -> dict:
    response = client_for(user).post("/user/book_seat/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def pnr_call(user: User, pnr: str, action: str) -> Call:
    return Call(client=client_for(user), user_id=user.pk, method="post", path=f"/bookings/{pnr}/{action}/")


def read_call(user: User, pnr: str) -> Call:
    return Call(client=client_for(user), user_id=user.pk, method="get", path=f"/bookings/{pnr}/")


def legs_of(booking: Booking) -> set[tuple[int, int]]:
    """Return the (leg, seat) pairs the booking's BookingSeat rows hold."""
    return {
        (leg, seat) for leg, seat, booking_id in seat_legs_held(booking.train) if booking_id == booking.pk
    }


# Sold in this order, they fill the 3A berths on every leg: (from stop, to stop), passengers.
FILL = [
    ((0, 3), 2),
    ((0, 3), 1),
    ((0, 3), 2),
    ((0, 3), 1),
    ((0, 1), 2),
    ((1, 3), 2),
    ((0, 2), 1),
    ((2, 3), 1),
    ((0, 1), 1),
    ((1, 2), 1),
    ((2, 3), 1),
    ((0, 2), 2),
    ((2, 3), 2),
]
# Waiting behind them, in this order.
WAITING = [
    ((0, 3), 3),
    ((0, 1), 1),
    ((1, 3), 2),
    ((0, 3), 1),
    ((0, 2), 2),
    ((2, 3), 1),
    ((0, 3), 2),
    ((1, 2), 1),
    ((0, 1), 2),
    ((1, 3), 1),
]
# The sales cancelled at once; the others ride on.
CANCELLED = [1, 2, 4, 7, 9, 11]


def test_racing_cancellations_serve_the_waitlist_in_order_with_only_the_seats_they_free(
    settings, booking_staff
):
    settings.WAITLIST_MAX_PER_CLASS = 30
    with at(START):
        train = train_of_four_stops(41)
        riders = make_passengers(len(FILL), prefix="rider")
        waiters = make_passengers(len(WAITING), prefix="waiter")
        sold = [
            booked_by(user, ride(41, STOPS[start], STOPS[end], size, f"Rider {number}"))
            for number, (user, ((start, end), size)) in enumerate(zip(riders, FILL, strict=True))
        ]
        for leg in range(len(STOPS) - 1):
            assert not seats_free_on(train, DAY, BERTHS_3A, leg, leg + 1)
        waiting = [
            booked_by(user, ride(41, STOPS[start], STOPS[end], size, f"Waiter {number}", waitlist=True))
            for number, (user, ((start, end), size)) in enumerate(zip(waiters, WAITING, strict=True))
        ]
    assert {booking["status"] for booking in waiting} == {"waitlisted"}
    before = {booking["pnr"]: legs_of(Booking.objects.get(pnr=booking["pnr"])) for booking in sold}
    freed = set().union(*(before[sold[number]["pnr"]] for number in CANCELLED))

    with at(START + 60 * SECOND):
        cancels = {number: [pnr_call(riders[number], sold[number]["pnr"], "cancel")] for number in CANCELLED}
        # A few are cancelled by staff at the same time as by their owners: one of the two is first.
        for number in CANCELLED[::3]:
            cancels[number].append(pnr_call(booking_staff, sold[number]["pnr"], "cancel"))
        reads = [read_call(user, booking["pnr"]) for user, booking in zip(waiters, waiting, strict=True)]
        calls = [call for calls in cancels.values() for call in calls] + reads
        random.Random(41).shuffle(calls)

        run_together(calls, workers=WORKERS)

    assert_answers_documented(calls)
    for number, calls_of_one in cancels.items():
        # Each sale is cancelled once; a second request for it finds it cancelled.
        assert sorted(call.status for call in calls_of_one) == [200] + [409] * (len(calls_of_one) - 1)
        assert all(call.body["code"] == "already_cancelled" for call in calls_of_one if call.status == 409)
        booking = Booking.objects.get(pnr=sold[number]["pnr"])
        assert (booking.status, booking.cancel_reason) == ("cancelled", "requested")
    for number, booking in enumerate(sold):
        if number not in CANCELLED:
            kept = Booking.objects.get(pnr=booking["pnr"])
            assert kept.status == "confirmed"
            assert legs_of(kept) == before[booking["pnr"]]
    for call in reads:
        assert call.status == 200
        assert call.body["status"] in ("waitlisted", "confirmed")
    bookings = [Booking.objects.get(pnr=booking["pnr"]) for booking in waiting]
    promoted = [booking for booking in bookings if booking.status == "confirmed"]
    still = [booking for booking in bookings if booking.status == "waitlisted"]
    assert len(promoted) + len(still) == len(bookings)
    assert promoted
    # Promotions seat their passengers only on seats and legs the cancellations freed, each once.
    promoted_legs = Counter(pair for booking in promoted for pair in legs_of(booking))
    assert set(promoted_legs) <= freed
    assert max(promoted_legs.values()) == 1
    for leg in range(len(STOPS) - 1):
        assert sum(1 for on_leg, _ in promoted_legs if on_leg == leg) <= sum(
            1 for on_leg, _ in freed if on_leg == leg
        )
    for booking in promoted:
        passengers = list(booking.passengers.all())
        assert {passenger.status for passenger in passengers} == {Passenger.Status.CONFIRMED}
        assert sorted(passenger.seat_number for passenger in passengers) == booking.seat_numbers
        assert len(booking.seat_numbers) == booking.seat_count
    # Between transactions no waiting booking fits: each still waiting has fewer seats free on its
    # segment than passengers.
    for booking in still:
        free = seats_free_on(train, DAY, BERTHS_3A, booking.from_position, booking.to_position)
        assert len(free) < booking.seat_count, (booking.pk, free)
    # Order: a later booking served on seats free on an earlier one's whole segment was served while
    # the earlier one did not fit there, so the earlier party must be the larger.
    for earlier in still:
        for later in promoted:
            covers = later.from_position <= earlier.from_position and later.to_position >= earlier.to_position
            if later.pk > earlier.pk and covers:
                assert earlier.seat_count > later.seat_count, (earlier.pk, later.pk)
    assert_bookings_agree_with_their_seats(train)


# Waiting for a 3A berth of train 12: from, to, passengers, and whether they asked for a hold.
CHART_WAITING = [
    ("Pune", "Delhi", 1, False),
    ("Pune", "Nagpur", 2, False),
    ("Nagpur", "Delhi", 1, True),
    ("Pune", "Delhi", 3, False),
    ("Pune", "Nagpur", 1, True),
    ("Nagpur", "Delhi", 2, False),
]


def prepare_charts_command() -> int:
    """Run ``manage.py prepare_charts``; return how many journeys it says it charted."""
    output = io.StringIO()
    call_command("prepare_charts", stdout=output)
    return int(re.fullmatch(r"Charted (\d+) journeys\.\n", output.getvalue())[1])


def test_the_chart_cancels_each_waiting_booking_once_while_prepare_charts_sales_and_reads_race(
    settings, booking_staff
):
    settings.WAITLIST_MAX_PER_CLASS = 12
    with at(START):
        train = sleeper_create()
        riders = make_passengers(8, prefix="rider")
        waiters = make_passengers(6, prefix="waiter")
        buyers = make_passengers(12, prefix="buyer")
        # Every 3A berth of train 12 sold from Pune to Delhi.
        sold = [
            booked_by(user, ride(12, "Pune", "Delhi", 1, f"Rider {number}"))
            for number, user in enumerate(riders)
        ]
        waiting = [
            booked_by(user, ride(12, source, destination, size, f"Waiter {number}", waitlist=True, hold=hold))
            for number, (user, (source, destination, size, hold)) in enumerate(
                zip(waiters, CHART_WAITING, strict=True)
            )
        ]
    assert {booking["status"] for booking in waiting} == {"waitlisted"}

    with at(CHART_AT + 60 * SECOND):
        commands = [Task(lambda: charts_prepare(now=timezone.now())) for _ in range(2)] + [
            Task(prepare_charts_command) for _ in range(2)
        ]
        reads = [read_call(user, booking["pnr"]) for user, booking in zip(waiters, waiting, strict=True)]
        late_cancels = [
            pnr_call(user, booking["pnr"], "cancel") for user, booking in zip(waiters, waiting, strict=True)
        ]
        charts = [
            Call(
                client=client_for(booking_staff),
                user_id=booking_staff.pk,
                method="get",
                path=f"/trains/12/journeys/{DAY.isoformat()}/chart/",
            )
            for _ in range(2)
        ]
        pune_delhi = {
            "train_number": 12,
            "journey_date": DAY.isoformat(),
            "source": "Pune",
            "destination": "Delhi",
        }
        holds = [
            book_call(user, {**pune_delhi, "travel_class": "SL", "seat_count": 1, "hold": True})
            for user in buyers[:3]
        ]
        big_waits = [
            book_call(user, {**pune_delhi, "travel_class": "3A", "seat_count": 3, "waitlist": True})
            for user in buyers[3:6]
        ]
        small_waits = [
            book_call(user, {**pune_delhi, "travel_class": "3A", "seat_count": 1, "waitlist": True})
            for user in buyers[6:8]
        ]
        sales = [
            book_call(user, {**pune_delhi, "travel_class": "SL", "seat_count": 1}) for user in buyers[8:12]
        ]
        seated_cancels = [
            pnr_call(user, booking["pnr"], "cancel")
            for user, booking in zip(riders[:2], sold[:2], strict=True)
        ]
        calls = reads + late_cancels + charts + holds + big_waits + small_waits + sales + seated_cancels
        random.Random(12).shuffle(calls)

        # The commands start with the first requests, which would chart the journey as well.
        run_together([*commands, *calls], workers=WORKERS)

    assert_answers_documented(calls)
    assert Journey.objects.get(train=train).charted_at == CHART_AT
    # Charted once: by one command run, or by a request that came first.
    assert sum(task.result for task in commands) <= 1
    for booking, (_, _, _, hold) in zip(waiting, CHART_WAITING, strict=True):
        cancelled = Booking.objects.prefetch_related("passengers").get(pnr=booking["pnr"])
        passengers = list(cancelled.passengers.all())
        assert (cancelled.status, cancelled.cancel_reason, cancelled.cancelled_at) == (
            "cancelled",
            "not_confirmed_at_chart",
            CHART_AT,
        )
        assert cancelled.seats_cancelled == cancelled.seat_count
        # Refunded its fare whole once (nothing for a hold that was never paid), whoever came first.
        paid = Decimal("0.00") if hold else cancelled.fare_total
        assert cancelled.refund_total == paid
        assert all(passenger.status == Passenger.Status.CANCELLED for passenger in passengers)
        assert all(passenger.cancelled_at == CHART_AT for passenger in passengers)
        assert all(
            passenger.refund == (Decimal("0.00") if hold else passenger.fare) for passenger in passengers
        )
    for call in reads:
        assert call.status == 200
        assert (call.body["status"], call.body["reason"]) == ("cancelled", "not_confirmed_at_chart"), (
            call.body
        )
    for call in late_cancels:
        assert (call.status, call.body["code"]) == (409, "already_cancelled"), call.body
    for call in charts:
        assert call.status == 200, call.body
        assert (call.body["charted_at"], call.body["waitlist"]) == ("2026-12-20T06:00:00Z", [])
    for call in holds + big_waits:
        assert (call.status, call.body["code"]) == (409, "journey_charted"), call.body
    for call in small_waits:
        # A berth freed by a cancellation is sold; none is waited for.
        assert (call.status, call.body.get("code") or call.body["status"]) in (
            (201, "confirmed"),
            (409, "journey_charted"),
        ), call.body
    for call in sales:
        assert (call.status, call.body["status"]) == (201, "confirmed"), call.body
    for call in seated_cancels:
        assert call.status == 200, call.body
    assert not Booking.objects.filter(train=train, status__in=["held", "waitlisted"]).exists()
    assert_bookings_agree_with_their_seats(train)
