"""purge_finished_journeys: journeys over for more than --days days leave only their bookings."""

import datetime
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from bookings.errors import CancellationTooLate
from bookings.models import Booking, BookingSeat, FreeStretch, Journey
from bookings.services import booking_cancel, booking_create
from trains.models import Stop

HOURS = datetime.timedelta(hours=1)

pytestmark = pytest.mark.django_db


def on(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC))


def book_on(owner, train_number: int, day: datetime.date) -> Booking:
    with on(day):
        return booking_create(user=owner, train_number=train_number, seat_count=2, journey_date=day)


def purge(days: int, today: datetime.date) -> str:
    output = StringIO()
    with on(today):
        call_command("purge_finished_journeys", "--days", str(days), stdout=output)
    return output.getvalue()


@pytest.fixture
def night_train(make_train):
    """Leaves A at 20:00 and reaches B 33 hours later: two days after its start date."""
    train = make_train(8, 4, "A", "B")
    train.departs_at = datetime.time(20, 0)
    train.save(update_fields=["departs_at"])
    Stop.objects.filter(train=train, position=0).update(departure=datetime.timedelta())
    Stop.objects.filter(train=train, position=1).update(arrival=33 * HOURS)
    return train


def test_a_journey_finished_more_than_the_days_ago_goes_and_its_bookings_stay(owner, make_train):
    train = make_train(7, 4, "A", "B")
    booking = book_on(owner, 7, datetime.date(2026, 11, 1))

    output = purge(7, today=datetime.date(2026, 11, 10))

    assert output.strip() == "Deleted 1 finished journeys and their seat rows."
    assert not Journey.objects.filter(train=train).exists()
    assert not FreeStretch.objects.filter(train=train).exists()
    booking.refresh_from_db()
    assert (booking.status, booking.journey_date) == ("confirmed", datetime.date(2026, 11, 1))
    assert BookingSeat.objects.filter(booking=booking).count() == 2


def test_journeys_finished_within_the_days_and_later_ones_stay(owner, make_train):
    make_train(7, 4, "A", "B")
    for day in (datetime.date(2026, 11, 3), datetime.date(2026, 11, 12)):
        book_on(owner, 7, day)

    purge(7, today=datetime.date(2026, 11, 10))

    assert sorted(Journey.objects.values_list("date", flat=True)) == [
        datetime.date(2026, 11, 3),
        datetime.date(2026, 11, 12),
    ]
    # Each keeps its two unsold seats.
    assert Counter(FreeStretch.objects.values_list("journey_date", flat=True)) == {
        datetime.date(2026, 11, 3): 2,
        datetime.date(2026, 11, 12): 2,
    }


def test_a_journey_counts_as_finished_when_it_reaches_its_last_station(owner, night_train):
    # Started on the 1st and 2nd, they arrive on the 3rd and the 4th.
    for day in (datetime.date(2026, 11, 1), datetime.date(2026, 11, 2)):
        book_on(owner, 8, day)

    purge(7, today=datetime.date(2026, 11, 11))

    assert list(Journey.objects.values_list("date", flat=True)) == [datetime.date(2026, 11, 2)]


def test_a_booking_of_a_purged_journey_stands_and_keeps_its_seats(owner, make_train):
    make_train(7, 4, "A", "B")
    booking = book_on(owner, 7, datetime.date(2026, 11, 1))
    purge(7, today=datetime.date(2026, 11, 10))

    with pytest.raises(CancellationTooLate):
        booking_cancel(booking_id=booking.pk, actor=owner)

    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert BookingSeat.objects.filter(booking=booking).exists()


def test_a_hold_nobody_looked_at_lapses_at_its_end_before_its_journey_goes(owner, make_train):
    make_train(7, 4, "A", "B")
    day = datetime.date(2026, 11, 1)
    with on(day - datetime.timedelta(days=3)):
        hold = booking_create(user=owner, train_number=7, seat_count=2, journey_date=day, hold=True)

    purge(7, today=datetime.date(2026, 11, 10))

    hold.refresh_from_db()
    assert (hold.status, hold.cancel_reason, hold.cancelled_at) == (
        "cancelled",
        "hold_expired",
        hold.expires_at,
    )
    assert not BookingSeat.objects.filter(booking=hold).exists()


def test_the_days_must_be_at_least_one():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_finished_journeys", "--days", "0")


def test_the_admin_journey_view_still_counts_a_purged_journeys_seats(owner, make_train, superuser_client):
    train = make_train(7, 4, "A", "B", "C")
    book_on(owner, 7, datetime.date(2026, 11, 1))
    purge(7, today=datetime.date(2026, 11, 10))

    response = superuser_client.get(f"/admin/trains/train/{train.pk}/journey/", {"date": "2026-11-01"})

    assert response.status_code == 200
    assert [(leg.sold, leg.total) for leg, _ in response.context["journey"].legs] == [(2, 4), (2, 4)]
