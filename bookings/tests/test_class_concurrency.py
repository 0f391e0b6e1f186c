"""Sales by class to named passengers, and cancellations of some of them, under real concurrency.

Threads, each on its own PostgreSQL connection, book groups in two classes of one journey and
cancel passengers of one PNR at once. Whatever the interleaving, a seat is sold at most once
on a leg and only in its booking's class, each passenger is cancelled at most once, and every
booking's seats, fares, refunds and status add up to its passengers'.
"""

import datetime
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bookings.models import Booking, BookingSeat, Passenger
from bookings.passengers import PASSENGERS_MAX
from bookings.tests.concurrency import Call, book_call, cancel_call, make_passengers, run_together, statuses
from bookings.tests.invariants import seat_legs_held
from bookings.tests.passenger_inventory import assert_passenger_inventory_is_consistent
from conftest import client_for
from trains.coach_plans import CoachPlan
from trains.fares import FarePlan
from trains.models import Train
from trains.seat_positions import LAYOUT_POSITIONS
from trains.services import train_create
from users.models import User

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent clients need PostgreSQL"),
]

STOPS = ["Pune", "Lonavala", "Karjat", "Kalyan", "Dadar"]
DISTANCES = [Decimal(km) for km in ("0", "64", "100", "140", "190")]
FARES = [
    FarePlan(travel_class="3A", per_km=Decimal("2.50"), minimum=Decimal("300.00")),
    FarePlan(travel_class="SL", per_km=Decimal("0.80"), minimum=Decimal("120.00")),
]


def sleeper_train(train_number: int, coaches: list[CoachPlan]) -> Train:
    return train_create(
        train_number=train_number,
        source=STOPS[0],
        destination=STOPS[-1],
        total_seats=sum(coach.seats for coach in coaches),
        stops=STOPS,
        distances_km=DISTANCES,
        coaches=coaches,
        fares=FARES,
    )


def class_seats(coaches: list[CoachPlan]) -> dict[str, set[int]]:
    """Return each class's train-wide seat numbers: the coaches' seats numbered on in coach order."""
    seats: dict[str, set[int]] = {}
    first = 1
    for coach in coaches:
        seats.setdefault(coach.travel_class, set()).update(range(first, first + coach.seats))
        first += coach.seats
    return seats


def journey_date() -> str:
    # Far enough ahead that a cancellation is refunded by the first band: the fare less the fee.
    return (timezone.localdate() + datetime.timedelta(days=4)).isoformat()


def group_of(chooser: random.Random, layout: str, size: int, prefix: str) -> list[dict]:
    """Return `size` named passengers, some wishing for a position the class's coaches have."""
    return [
        {"name": f"{prefix} {number}", "age": chooser.randint(1, 90)}
        | ({"preference": chooser.choice(LAYOUT_POSITIONS[layout])} if chooser.random() < 0.5 else {})
        for number in range(1, size + 1)
    ]


def seats_free_now(train: Train, seats: set[int], start: int, end: int) -> set[int]:
    """Return those of `seats` free on every leg from stop `start` to stop `end`, from the seats held."""
    return seats - {seat for leg, seat, _ in seat_legs_held(train) if start <= leg < end}


def assert_sold_as_answered(call: Call, train: Train, classes: dict[str, set[int]], coach_names) -> Booking:
    """Assert the booking a 201 answered is stored as answered, in its class, its passengers as named."""
    booking = Booking.objects.prefetch_related("passengers").get(pk=call.body["booking_id"])
    travel_class = call.data["travel_class"]
    asked = call.data["passengers"]
    assert booking.user_id == call.user_id
    assert booking.travel_class == call.body["travel_class"] == travel_class
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.seat_count == len(asked)
    assert booking.seat_numbers == call.body["seat_numbers"]
    assert set(booking.seat_numbers) <= classes[travel_class]
    passengers = list(booking.passengers.all())
    assert [passenger.name for passenger in passengers] == [person["name"] for person in asked]
    assert {passenger.coach for passenger in passengers} <= coach_names[travel_class]
    held = BookingSeat.objects.filter(booking=booking).values_list("seat_number", flat=True)
    assert sorted(held) == booking.seat_numbers
    assert [passenger["seat_number"] for passenger in call.body["passengers"]] == [
        passenger.seat_number for passenger in passengers
    ]
    return booking


def test_racing_group_sales_in_two_classes_never_sell_a_seat_twice_or_outside_its_class():
    coaches = [
        CoachPlan("B1", "3A", 8, "berths-8"),
        CoachPlan("B2", "3A", 6, "berths-6"),
        CoachPlan("S1", "SL", 10, "berths-8"),
    ]
    train = sleeper_train(810, coaches)
    classes = class_seats(coaches)
    coach_names = {"3A": {"B1", "B2"}, "SL": {"S1"}}
    layouts = {"3A": "berths-8", "SL": "berths-8"}
    chooser = random.Random(810)
    calls = []
    segments = []
    for number, user in enumerate(make_passengers(160)):
        start, end = sorted(chooser.sample(range(len(STOPS)), 2))
        travel_class = chooser.choice(["3A", "SL"])
        size = chooser.randint(1, PASSENGERS_MAX)
        party = group_of(chooser, layouts[travel_class], size, f"Rider {number}")
        payload = {
            "train_number": 810,
            "journey_date": journey_date(),
            "travel_class": travel_class,
            "source": STOPS[start],
            "destination": STOPS[end],
            "passengers": party,
        }
        calls.append(book_call(user, payload))
        segments.append((start, end))

    run_together(calls)

    assert set(statuses(calls)) == {201, 409}
    sold = [call for call in calls if call.status == 201]
    refused = [call for call in calls if call.status == 409]
    assert {call.body["code"] for call in refused} == {"insufficient_seats"}
    # A refused sale writes nothing: the only bookings and passengers are those answered 201.
    assert Booking.objects.filter(train=train).count() == len(sold)
    assert not Booking.objects.filter(user_id__in=[call.user_id for call in refused]).exists()
    assert Passenger.objects.filter(booking__train=train).count() == sum(
        len(call.data["passengers"]) for call in sold
    )
    for call in sold:
        assert_sold_as_answered(call, train, classes, coach_names)
    assert_passenger_inventory_is_consistent(train)
    # Counted by the bookings' class, not by seat number: no class sells more seats on a leg than it has.
    class_of = dict(Booking.objects.filter(train=train).values_list("id", "travel_class"))
    sold_per_leg = Counter((class_of[booking_id], leg) for leg, _, booking_id in seat_legs_held(train))
    assert all(sold <= len(classes[travel_class]) for (travel_class, _), sold in sold_per_leg.items())
    # Seats are only ever sold here, so a sale refused then is refusable now: its class never
    # had as many seats free on its segment as it asked for.
    for call, (start, end) in zip(calls, segments, strict=True):
        if call.status == 409:
            free_now = seats_free_now(train, classes[call.data["travel_class"]], start, end)
            assert len(free_now) < len(call.data["passengers"])
            assert call.body["available_seats"] >= len(free_now)
    # The race really sold both classes, and refused sales in both once they ran short.
    assert {call.data["travel_class"] for call in sold} == {"3A", "SL"}
    assert {call.data["travel_class"] for call in refused} == {"3A", "SL"}


def cancel_passengers_call(user: User, pnr: str, passenger_ids: list[int] | None) -> Call:
    return Call(
        client=client_for(user),
        user_id=user.pk,
        method="post",
        path=f"/bookings/{pnr}/cancel/",
        data=None if passenger_ids is None else {"passenger_ids": passenger_ids},
    )


def booked_party(user: User, travel_class: str, size: int, prefix: str) -> dict:
    response = client_for(user).post(
        "/user/book_seat/",
        {
            "train_number": 820,
            "journey_date": journey_date(),
            "travel_class": travel_class,
            "passengers": [
                {"name": f"{prefix} {number}", "age": 30 + number} for number in range(1, size + 1)
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def cancelled_by(calls: list[Call], everyone: set[int]) -> list[tuple[Call, set[int]]]:
    """Return each successful cancellation of one PNR with the passengers it cancelled: those it named,
    and for the one naming none, every passenger no named cancellation took."""
    named = [(call, set(call.data["passenger_ids"])) for call in calls if call.status == 200 and call.data]
    unnamed = [call for call in calls if call.status == 200 and not call.data]
    assert len(unnamed) <= 1
    rest = everyone - set().union(*(share for _, share in named))
    return named + [(call, rest) for call in unnamed]


def test_racing_cancellations_of_passengers_of_one_pnr_cancel_each_once_while_others_book(
    owner, booking_staff
):
    coaches = [CoachPlan("B1", "3A", 12, "berths-6"), CoachPlan("S1", "SL", 12, "berths-8")]
    train = sleeper_train(820, coaches)
    classes = class_seats(coaches)
    # Two parties of six fill the 3A coach on the whole route: its only seats to sell are those freed.
    whole = booked_party(owner, "3A", 6, "Mehta")
    partly = booked_party(owner, "3A", 6, "Rao")
    assert set(whole["seat_numbers"]) | set(partly["seat_numbers"]) == classes["3A"]
    everyone = set(range(1, 7))
    pairs = [[one, one % 6 + 1] for one in everyone]
    whole_sets = [*pairs, [1, 3, 5], [2, 4, 6], None, [1, 2, 3, 4, 5, 6]]
    # Passenger 6 of the second party is named by nobody: that booking stays confirmed. Each of the
    # others is named alone too, which only their own cancellation refuses: all of them go.
    partly_sets = [[1, 2], [2, 3], [3, 4], [4, 5], [1, 3, 5], [2, 4], [1], [2], [3], [4], [5]]
    cancellers = [owner, booking_staff]
    whole_calls = [
        cancel_passengers_call(cancellers[number % 2], whole["pnr"], ids)
        for number, ids in enumerate(whole_sets * 2)
    ]
    # The whole booking cancelled by its id too, as the first API cancels it.
    whole_calls.append(cancel_call(booking_staff, whole["booking_id"]))
    partly_calls = [
        cancel_passengers_call(cancellers[number % 2], partly["pnr"], ids)
        for number, ids in enumerate(partly_sets * 2)
    ]
    chooser = random.Random(820)
    bookers = []
    for number, user in enumerate(make_passengers(40, prefix="late")):
        start, end = sorted(chooser.sample(range(len(STOPS)), 2))
        travel_class = "3A" if number % 4 else "SL"
        payload = {
            "train_number": 820,
            "journey_date": journey_date(),
            "travel_class": travel_class,
            "source": STOPS[start],
            "destination": STOPS[end],
            "passengers": group_of(chooser, "berths-6", chooser.randint(1, 2), f"Late {number}"),
        }
        bookers.append(book_call(user, payload))
    calls = whole_calls + partly_calls + bookers
    chooser.shuffle(calls)

    run_together(calls)

    fee = settings.CANCELLATION_FEE
    for pnr, cancellations, named_by_nobody in [
        (whole["pnr"], whole_calls, set()),
        (partly["pnr"], partly_calls, {6}),
    ]:
        assert set(statuses(cancellations)) <= {200, 409}
        assert {call.body["code"] for call in cancellations if call.status == 409} <= {"already_cancelled"}
        shares = cancelled_by(cancellations, everyone)
        # Each passenger is cancelled by one request exactly, however many named them.
        cancelled = set().union(*(share for _, share in shares))
        assert sum(len(share) for _, share in shares) == len(cancelled)
        assert cancelled == everyone - named_by_nobody
        booking = Booking.objects.prefetch_related("passengers").get(pnr=pnr)
        passengers = {passenger.passenger_id: passenger for passenger in booking.passengers.all()}
        assert {pid for pid, p in passengers.items() if p.status == Passenger.Status.CANCELLED} == cancelled
        assert all(passengers[pid].refund == passengers[pid].fare - fee for pid in cancelled)
        assert booking.seats_cancelled == len(cancelled)
        assert booking.refund_total == sum((passengers[pid].refund for pid in cancelled), Decimal("0.00"))
        # Cancelled exactly when its last passenger is.
        assert booking.status == (Booking.Status.CONFIRMED if named_by_nobody else Booking.Status.CANCELLED)
        for call, share in shares:
            # Each answer refunds what its own passengers were refunded, no more.
            assert Decimal(call.body["refund"]["amount"]) == sum(
                (passengers[pid].refund for pid in share), Decimal("0.00")
            )
        for call in cancellations:
            if call.status == 409 and call.data:
                # Refused only once another request had cancelled some passenger it named.
                assert set(call.data["passenger_ids"]) & cancelled
            if call.status == 409 and "passenger_ids" in call.body:
                assert set(call.body["passenger_ids"]) <= set(call.data["passenger_ids"]) & cancelled
        still = BookingSeat.objects.filter(booking=booking).values_list("seat_number", flat=True)
        assert sorted(still) == sorted(passengers[pid].seat_number for pid in everyone - cancelled)
    # The 3A seats sold in the race are seats the cancellations freed, and only on legs they freed.
    freed = {
        passenger.seat_number
        for passenger in Passenger.objects.filter(
            booking__pnr__in=[whole["pnr"], partly["pnr"]], status=Passenger.Status.CANCELLED
        )
    }
    late_sales = [call for call in bookers if call.status == 201]
    assert {call.body["code"] for call in bookers if call.status == 409} <= {"insufficient_seats"}
    for call in late_sales:
        if call.data["travel_class"] == "3A":
            assert set(call.body["seat_numbers"]) <= freed
        assert set(call.body["seat_numbers"]) <= classes[call.data["travel_class"]]
    assert Booking.objects.filter(train=train).count() == 2 + len(late_sales)
    assert_passenger_inventory_is_consistent(train)
