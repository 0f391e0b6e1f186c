"""Holds under real concurrency: threads, each on its own PostgreSQL connection, confirm, release, cancel
and buy at once on one journey.

The clock is stopped (time_machine, which every thread sees), so that holds are lapsed or live
exactly when the race starts: the first request to lock the journey lapses the ended holds in the
order of their ends, each one's seats going to the waitlist before anything else is sold.
"""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection

from bookings.models import Booking, BookingSeat, Passenger
from bookings.tests.concurrency import (
    Call,
    assert_answers_documented,
    book_call,
    make_passengers,
    run_together,
)
from bookings.tests.invariants import assert_bookings_agree_with_their_seats, seats_free_on
from bookings.tests.product_train import DAY, SECOND, START, at, sleeper_timetable_set
from conftest import client_for
from trains.coach_plans import CoachPlan
from trains.fares import FarePlan
from trains.models import Train
from trains.services import train_create
from users.models import User

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent clients need PostgreSQL"),
]

TTL = datetime.timedelta(seconds=900)
WORKERS = 16
# The 3A berths of the train: two coaches of six.
BERTHS_3A = set(range(1, 13))


def train_of(train_number: int) -> Train:
    """Create a train from Pune (10:00 UTC) by Nagpur to Delhi with twelve 3A berths in two coaches and
    eight SL berths."""
    train = train_create(
        train_number=train_number,
        source="Pune",
        destination="Delhi",
        stops=["Pune", "Nagpur", "Delhi"],
        distances_km=[0, 890, 1900],
        total_seats=20,
        coaches=[
            CoachPlan("B1", "3A", 6, "berths-6"),
            CoachPlan("B2", "3A", 6, "berths-6"),
            CoachPlan("S1", "SL", 8, "berths-8"),
        ],
        fares=[FarePlan("3A", "1.45", "150.00"), FarePlan("SL", "0.50", "100.00")],
    )
    return sleeper_timetable_set(train)


def party(train_number: int, size: int, name: str, **fields) -> dict:
    """Return a book_seat body for `size` named passengers riding Pune to Delhi in 3A on DAY."""
    return {
        "train_number": train_number,
        "journey_date": DAY.isoformat(),
        "travel_class": "3A",
        "passengers": [{"name": f"{name} {number}", "age": 30 + number} for number in range(1, size + 1)],
        **fields,
    }


def booked_by(user: User, body: dict) -> dict:
    response = client_for(user).post("/user/book_seat/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def pnr_call(user: User, pnr: str, action: str, data: dict | None = None, client=None) -> Call:
    return Call(
        client=client or client_for(user),
        user_id=user.pk,
        method="post",
        path=f"/bookings/{pnr}/{action}/",
        data=data,
    )


def read_call(user: User, pnr: str) -> Call:
    return Call(client=client_for(user), user_id=user.pk, method="get", path=f"/bookings/{pnr}/")


def availability_call(user: User) -> Call:
    return Call(
        client=client_for(user),
        user_id=user.pk,
        method="get",
        path="/user/get_seat_availability/",
        data={
            "source": "Pune",
            "destination": "Delhi",
            "journey_date": DAY.isoformat(),
            "travel_class": "3A",
        },
    )


def test_lapsed_holds_go_to_the_waitlist_first_while_their_owners_confirm_others_buy_and_cancel(settings):
    settings.WAITLIST_MAX_PER_CLASS = 12
    with at(START):
        train = train_of(31)
        holders = make_passengers(5, prefix="holder")
        riders = make_passengers(6, prefix="rider")
        waiters = make_passengers(5, prefix="waiter")
        buyers = make_passengers(10, prefix="buyer")
    # Five holds, ending a second apart in this order; the last holds two berths.
    holds = []
    for number, (user, size) in enumerate(zip(holders, [1, 1, 1, 1, 2], strict=True)):
        with at(START + number * SECOND):
            holds.append(booked_by(user, party(31, size, f"Holder {number}", hold=True)))
    with at(START + 10 * SECOND):
        sold = [booked_by(user, party(31, 1, f"Rider {number}")) for number, user in enumerate(riders)]
        assert not seats_free_on(train, DAY, BERTHS_3A, 0, 2)
        waiting = [
            booked_by(user, party(31, size, f"Waiter {number}", waitlist=True))
            for number, (user, size) in enumerate(zip(waiters, [2, 1, 3, 1, 2], strict=True))
        ]
    assert {booking["status"] for booking in waiting} == {"waitlisted"}
    lapsed_seats = {seat for hold in holds for seat in hold["seat_numbers"]}
    cancelled_seats = {seat for booking in sold[:4] for seat in booking["seat_numbers"]}

    # Every hold has ended a minute ago; nothing has looked at the journey since.
    with at(START + 4 * SECOND + TTL + 60 * SECOND):
        confirms = [
            pnr_call(user, hold["pnr"], "confirm", {"payment_reference": f"late-{number}"})
            for number, (user, hold) in enumerate(zip(holders, holds, strict=True))
        ]
        extends = [pnr_call(user, hold["pnr"], "extend") for user, hold in zip(holders, holds, strict=True)]
        cancels = [
            pnr_call(user, booking["pnr"], "cancel")
            for user, booking in zip(riders[:4], sold[:4], strict=True)
        ]
        # Two buyers ask for three berths: only a waiting party of three could have them first.
        sizes = [1, 2, 1, 2, 1, 2, 1, 1, 3, 3]
        buys = [
            book_call(user, party(31, size, f"Buyer {number}"))
            for number, (user, size) in enumerate(zip(buyers, sizes, strict=True))
        ]
        reads = [read_call(user, booking["pnr"]) for user, booking in zip(waiters, waiting, strict=True)]
        searches = [availability_call(user) for user in buyers[:4]]
        calls = confirms + extends + cancels + buys + reads + searches
        random.Random(31).shuffle(calls)

        run_together(calls, workers=WORKERS)

    assert_answers_documented(calls)
    # A late confirm or extension is refused and changes nothing: each hold lapsed at its own end.
    for call in confirms + extends:
        assert (call.status, call.body["code"]) == (409, "hold_expired"), call.body
    for number, hold in enumerate(holds):
        lapsed = Booking.objects.get(pnr=hold["pnr"])
        assert (lapsed.status, lapsed.cancel_reason, lapsed.payment_reference) == (
            "cancelled",
            "hold_expired",
            "",
        )
        assert lapsed.cancelled_at == lapsed.expires_at == START + number * SECOND + TTL
        assert lapsed.refund_total == Decimal("0.00")
        assert not BookingSeat.objects.filter(booking=lapsed).exists()
    # The holds lapsed one by one, each serving the waitlist in order before any sale: the single
    # berths went to the 2nd and 4th waiting bookings, the next two to the 1st, the last hold's pair
    # to the 5th. The party of three waits for three berths free at once.
    served = {
        booking["pnr"]: Booking.objects.get(pnr=booking["pnr"])
        for booking in (waiting[0], waiting[1], waiting[3], waiting[4])
    }
    assert {booking.status for booking in served.values()} == {"confirmed"}
    assert {seat for booking in served.values() for seat in booking.seat_numbers} == lapsed_seats
    for call in reads:
        assert call.status == 200
        if call.body["pnr"] in served:
            # Read with the journey brought to now: never still waiting.
            assert (call.body["status"], call.body["seat_numbers"]) == (
                "confirmed",
                served[call.body["pnr"]].seat_numbers,
            )
    for call, booking in zip(cancels, sold[:4], strict=True):
        assert call.status == 200, call.body
        assert (
            call.body["refund"]["amount"]
            == f"{Decimal(booking['fare']['total']) - settings.CANCELLATION_FEE:.2f}"
        )
        assert Booking.objects.get(pnr=booking["pnr"]).cancel_reason == "requested"
    for booking in sold[4:]:
        kept = Booking.objects.get(pnr=booking["pnr"])
        assert (kept.status, kept.seat_numbers) == ("confirmed", booking["seat_numbers"])
    # New sales got only berths the cancellations freed, never one of the lapsed holds'.
    bought = [call for call in buys if call.status == 201]
    for call in buys:
        assert call.status in (201, 409), call.body
        if call.status == 409:
            assert call.body["code"] == "insufficient_seats"
            assert not Booking.objects.filter(user_id=call.user_id).exists()
    for call in bought:
        assert call.body["status"] == "confirmed"
        assert set(call.body["seat_numbers"]) <= cancelled_seats
    # Three berths were never free at once with the party of three still waiting: it had them first.
    assert all(call.status == 409 for call in buys if len(call.data["passengers"]) == 3)
    three = Booking.objects.get(pnr=waiting[2]["pnr"])
    free_now = seats_free_on(train, DAY, BERTHS_3A, 0, 2)
    if three.status == "waitlisted":
        assert len(free_now) < 3
    else:
        assert three.status == "confirmed"
        assert set(three.seat_numbers) <= cancelled_seats
    # Every berth freed by a cancellation is sold, seated from the waitlist, or free: never more.
    taken = sum(len(call.body["seat_numbers"]) for call in bought) + len(three.seat_numbers)
    assert taken + len(free_now) == len(cancelled_seats)
    # No answer offered a berth a waiting booking was owed: at most two were ever free with the party
    # of three waiting, at most one once it was seated.
    for call in searches:
        assert call.status == 200
        (row,) = call.body
        assert row["classes"][0]["available_seats"] <= 2
    assert_bookings_agree_with_their_seats(train)


def test_a_confirm_and_a_release_of_one_live_hold_racing_from_two_clients_take_effect_in_one_order(
    settings, booking_staff
):
    settings.WAITLIST_MAX_PER_CLASS = 12
    with at(START):
        train = train_of(32)
        holders = make_passengers(8, prefix="holder")
        waiters = make_passengers(2, prefix="waiter")
        sizes = [1, 2, 1, 2, 1, 2, 1, 2]
        holds = [
            booked_by(user, party(32, size, f"Holder {number}", hold=True))
            for number, (user, size) in enumerate(zip(holders, sizes, strict=True))
        ]
        assert not seats_free_on(train, DAY, BERTHS_3A, 0, 2)
        waiting = [
            booked_by(user, party(32, size, f"Waiter {number}", waitlist=True))
            for number, (user, size) in enumerate(zip(waiters, [3, 1], strict=True))
        ]
    assert {booking["status"] for booking in waiting} == {"waitlisted"}

    # A minute into the holds: all live.
    with at(START + 60 * SECOND):
        confirms = [
            pnr_call(user, hold["pnr"], "confirm", {"payment_reference": f"pay-{number}"})
            for number, (user, hold) in enumerate(zip(holders, holds, strict=True))
        ]
        # Released by the owner from a second client of theirs, or by staff who may change bookings.
        releases = [
            pnr_call(user, hold["pnr"], "cancel", client=client_for(booking_staff if number % 2 else user))
            for number, (user, hold) in enumerate(zip(holders, holds, strict=True))
        ]
        calls = confirms + releases
        random.Random(32).shuffle(calls)

        run_together(calls, workers=WORKERS)

    assert_answers_documented(calls)
    fee = settings.CANCELLATION_FEE
    for number, (hold, confirm, release) in enumerate(zip(holds, confirms, releases, strict=True)):
        booking = Booking.objects.prefetch_related("passengers").get(pnr=hold["pnr"])
        passengers = list(booking.passengers.all())
        assert release.status == 200, release.body
        assert (booking.status, booking.cancel_reason) == ("cancelled", "requested")
        assert all(passenger.status == Passenger.Status.CANCELLED for passenger in passengers)
        if confirm.status == 200:
            # Confirmed first, then cancelled as a sale paid for: refunded by the bands. (The confirm's
            # answer, read once it committed, may already show the release that followed.)
            assert confirm.body["status"] in ("confirmed", "cancelled")
            assert confirm.body["payment_reference"] == booking.payment_reference == f"pay-{number}"
            assert all(passenger.refund == passenger.fare - fee for passenger in passengers)
        else:
            # Released first: nothing was paid, nothing refunded, and the confirm came too late.
            assert (confirm.status, confirm.body["code"]) == (409, "already_cancelled"), confirm.body
            assert booking.payment_reference == ""
            assert all(passenger.refund == Decimal("0.00") for passenger in passengers)
        assert Decimal(release.body["refund"]["amount"]) == booking.refund_total
        assert not BookingSeat.objects.filter(booking=booking).exists()
    # Every berth was freed either way: both waiting bookings were seated on berths of the holds.
    hold_seats = {seat for hold in holds for seat in hold["seat_numbers"]}
    for booking in waiting:
        seated = Booking.objects.get(pnr=booking["pnr"])
        assert seated.status == "confirmed"
        assert set(seated.seat_numbers) <= hold_seats
    assert len(seats_free_on(train, DAY, BERTHS_3A, 0, 2)) == 12 - 4
    assert_bookings_agree_with_their_seats(train)
