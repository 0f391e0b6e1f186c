"""The bench's "while seats lasted": until the journey sells out or first refuses for want of seats."""

import pytest

from bench.invariants import highest_id, refusals_for_want_of_seats_after
from bench.run import SellingClock

URL = "/user/book_seat/"


def clock_with(samples, first_refusal=None) -> SellingClock:
    clock = SellingClock(table="bookings_booking", watermark=0, refusals_watermark=0)
    clock.samples, clock.first_refusal = samples, first_refusal
    return clock


def test_seats_ran_short_when_the_count_first_reached_its_final_value():
    clock = clock_with([(0.05, 10), (0.10, 30), (0.15, 40), (0.20, 40), (0.25, 40)])

    assert clock.selling(40) == (0.15, 40)


def test_a_first_refusal_before_the_journey_sells_out_ends_the_selling_time():
    clock = clock_with([(0.05, 10), (0.10, 30), (0.15, 40), (0.20, 45)], first_refusal=(0.10, 30))

    assert clock.selling(45) == (0.10, 30)


def test_a_journey_neither_sold_out_nor_refusing_never_ran_short():
    clock = clock_with([(0.05, 10), (0.10, 30), (0.15, 40)])

    assert clock.selling(41) is None
    assert clock.selling(0) is None


@pytest.mark.django_db
def test_refusals_for_want_of_seats_are_counted_from_their_idempotency_records(make_train, owner_client):
    make_train(7, 2, "A", "B", "C")
    watermark = highest_id(table="bookings_idempotencyrecord")

    def book(key: str, **fields) -> int:
        body = {"train_number": 7, "seat_count": 1, **fields}
        return owner_client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key).status_code

    assert [book("one"), book("two", source="B")] == [201, 201]
    assert book("a-third", source="A", destination="B") == 201
    # The segment B-C is full; a refusal of another kind is not counted.
    assert book("too-many", source="B") == 409
    assert book("off-route", source="Z") == 400

    assert refusals_for_want_of_seats_after(watermark=watermark) == 1
