"""`manage.py check_inventory` recomputes free seats from the bookings, reports and repairs differences."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import FreeStretch
from bookings.network_changes import train_update
from bookings.services import booking_create


def check_inventory(*args: str) -> str:
    out = io.StringIO()
    call_command("check_inventory", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def sold_journey(make_train, owner):
    """A five-stop train's journey with two bookings on segments, its free stretches as sales left them."""
    train = make_train(41, 4, "A", "B", "C", "D", "E")
    booking_create(user=owner, train_number=41, seat_count=2, source="B", destination="D")
    booking_create(user=owner, train_number=41, seat_count=1, source="A", destination="C")
    return train


def test_it_finds_nothing_to_report_on_an_inventory_the_sales_wrote(sold_journey):
    assert check_inventory().strip().endswith("1 journeys checked, 0 differ.")


def test_it_reports_a_lost_and_a_forged_stretch_and_repairs_both(sold_journey):
    stretches = FreeStretch.objects.filter(train=sold_journey)
    lost = stretches.order_by("seat_number", "from_position").first()
    lost_row = (lost.seat_number, lost.from_position, lost.to_position)
    stretches.filter(seat_number=lost.seat_number, from_position=lost.from_position).delete()
    # Seat 1 is sold from B to D: a stretch that says it is free there would sell it twice.
    FreeStretch.objects.create(
        train=sold_journey, journey_date=lost.journey_date, seat_number=1, from_position=1, to_position=3
    )

    with pytest.raises(CommandError, match=r"1 journeys. free seats differ from their bookings"):
        check_inventory()
    report = check_inventory("--repair")

    assert (
        f"seat {lost_row[0]} free on legs {lost_row[1]}-{lost_row[2] - 1} is not recorded as free" in report
    )
    assert "seat 1 recorded free on legs 1-2 is not free" in report
    assert report.strip().endswith("1 journeys checked, 1 repaired.")
    assert check_inventory().strip().endswith("1 journeys checked, 0 differ.")
    assert (lost_row[0], lost_row[1], lost_row[2]) in set(
        stretches.values_list("seat_number", "from_position", "to_position")
    )
    assert not stretches.filter(seat_number=1, from_position=1).exists()


def test_a_repaired_journey_sells_the_seat_it_had_lost(sold_journey, other_user):
    FreeStretch.objects.filter(train=sold_journey, seat_number=4).delete()
    check_inventory("--repair")

    booking = booking_create(user=other_user, train_number=41, seat_count=1, source="A", destination="E")

    assert booking.seat_numbers == [4]


def test_more_seats_on_a_train_are_free_on_every_journey_in_queries_that_do_not_grow_with_them(
    make_train, owner
):
    train = make_train(42, 2, "A", "B", "C")
    dates = [datetime.date.today() + datetime.timedelta(days=offset) for offset in range(3)]
    booking_create(user=owner, train_number=42, seat_count=1, journey_date=dates[0])
    booking_create(user=owner, train_number=42, seat_count=1, journey_date=dates[1])

    with CaptureQueriesContext(connection) as two_journeys:
        train_update(train=train, train_number=42, name="", total_seats=4)
    booking_create(user=owner, train_number=42, seat_count=1, journey_date=dates[2])
    with CaptureQueriesContext(connection) as three_journeys:
        train_update(train=train, train_number=42, name="", total_seats=6)

    assert len(three_journeys.captured_queries) == len(two_journeys.captured_queries)
    for journey_date in dates:
        free = FreeStretch.objects.filter(train=train, journey_date=journey_date, seat_number__gt=2)
        assert sorted(free.values_list("seat_number", "from_position", "to_position")) == [
            (seat, 0, 2) for seat in range(3, 7)
        ]
    assert check_inventory().strip().endswith("3 journeys checked, 0 differ.")
