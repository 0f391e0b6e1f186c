"""Journeys under real concurrency: threads, each on its own PostgreSQL connection, book at once.

A journey (a train on one start date) is the unit that sales lock. Sales of one journey queue
on it and never oversell; sales of other dates of the same train do not wait for them; the
first sales of a new date race to create its journey and its free seats exactly once; and a
change of the train's seat count racing with those first sales leaves every journey whole.
"""

import datetime
import threading
import time

import pytest
from django.db import connection

from bookings.models import Booking, BookingSeat, FreeStretch, Journey
from bookings.network_changes import train_update
from bookings.services import journey_date_default
from bookings.tests.concurrency import book_call, make_passengers, run_together, statuses
from bookings.tests.invariants import assert_inventory_is_consistent
from bookings.tests.locks import hold_journey_lock, release_train_lock, wait_for_a_session_waiting_on_a_lock
from trains.models import Train

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="per-journey locks are PostgreSQL's"),
]


def seats_of(train: Train, journey_date) -> list[int]:
    """Return the seat numbers the journey has: those free somewhere and those sold somewhere."""
    journey = {"train": train, "journey_date": journey_date}
    free = set(FreeStretch.objects.filter(**journey).values_list("seat_number", flat=True))
    sold = set(BookingSeat.objects.filter(**journey).values_list("seat_number", flat=True))
    return sorted(free | sold)


def day(offset: int) -> str:
    return (journey_date_default() + datetime.timedelta(days=offset)).isoformat()


def test_each_journey_sells_its_seats_exactly_once_while_other_dates_sell_too(make_train):
    train = make_train(601, 10, "Alpha", "Beta", "Gamma")
    dates = [day(1), day(2), day(3)]
    calls = [
        book_call(user, {"train_number": 601, "seat_count": 1, "journey_date": dates[number % 3]})
        for number, user in enumerate(make_passengers(90))
    ]

    run_together(calls)

    assert statuses(calls) == {201: 30, 409: 60}
    for journey_date in dates:
        sold = [
            call.body["seat_numbers"][0]
            for call in calls
            if call.status == 201 and call.data["journey_date"] == journey_date
        ]
        assert sorted(sold) == list(range(1, 11))
    assert_inventory_is_consistent(train)


def test_the_first_sales_of_a_date_create_its_journey_and_seats_once(make_train):
    train = make_train(602, 5, "Alpha", "Beta", "Gamma")
    calls = [
        book_call(user, {"train_number": 602, "seat_count": 1, "journey_date": day(7)})
        for user in make_passengers(40)
    ]

    run_together(calls)

    # No deadlock, no timeout: every racer got an answer about seats.
    assert statuses(calls) == {201: 5, 409: 35}
    (journey,) = Journey.objects.filter(train=train)
    assert seats_of(train, journey.date) == [1, 2, 3, 4, 5]
    assert_inventory_is_consistent(train)


def test_a_sale_waiting_on_its_journey_does_not_hold_up_another_date(make_train, owner, other_user):
    train = make_train(603, 5, "Alpha", "Omega")
    held_date, other_date = day(1), day(2)
    # Both journeys exist, so that each sale only needs its journey's lock.
    for journey_date in (held_date, other_date):
        run_together([book_call(owner, {"train_number": 603, "seat_count": 1, "journey_date": journey_date})])
    waiting = book_call(owner, {"train_number": 603, "seat_count": 1, "journey_date": held_date})
    passing = book_call(other_user, {"train_number": 603, "seat_count": 1, "journey_date": other_date})

    holder = hold_journey_lock(train.pk, held_date)
    try:
        waiter = threading.Thread(target=lambda: run_together([waiting]))
        waiter.start()
        wait_for_a_session_waiting_on_a_lock(holder)
        started = time.monotonic()
        run_together([passing])
        passed_in = time.monotonic() - started
        # The holder has not let go, so the waiting sale cannot have finished.
        still_waiting = waiter.is_alive() and waiting.status is None
    finally:
        release_train_lock(holder)
    waiter.join(timeout=30)

    assert passing.status == 201
    assert still_waiting, "the sale on the held journey should have been waiting"
    assert passed_in < 2.0
    assert waiting.status == 201
    assert Booking.objects.filter(train=train).count() == 4
    assert_inventory_is_consistent(train)


def test_a_seat_count_change_racing_with_first_sales_leaves_every_journey_whole(make_train):
    train = make_train(604, 4, "Alpha", "Beta", "Gamma")
    calls = [
        book_call(user, {"train_number": 604, "seat_count": 1, "journey_date": day(1 + number % 6)})
        for number, user in enumerate(make_passengers(36))
    ]
    errors: list[BaseException] = []

    def grow() -> None:
        try:
            for seats in (6, 8):
                current = Train.objects.get(pk=train.pk)
                train_update(train=current, train_number=604, name="", total_seats=seats)
        except BaseException as error:  # re-raised below
            errors.append(error)
        finally:
            connection.close()

    changer = threading.Thread(target=grow)
    changer.start()
    run_together(calls)
    changer.join(timeout=60)

    assert not errors
    assert set(statuses(calls)) <= {201, 409}
    train.refresh_from_db()
    assert train.total_seats == 8
    for journey_date in Journey.objects.filter(train=train).values_list("date", flat=True):
        assert seats_of(train, journey_date) == list(range(1, 9)), journey_date
    assert_inventory_is_consistent(train)
