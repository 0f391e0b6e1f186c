"""A booking as hot-dates sends it (a date given) costs the token lookup and one statement on PostgreSQL."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.run import booking_target
from trains.models import Journey

URL = "/user/book_seat/"


def queries_for_a_booking(client, body: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 201, response.content
    return len(captured.captured_queries), response.json()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement sale is PostgreSQL's")
def test_a_booking_on_a_date_is_two_queries_whether_or_not_its_journey_is_open(make_train, owner_client):
    train = make_train(7, 50, "A", "B", "C")
    # A first request, so that the counts below are those of a connection already serving (the
    # token lookup is prepared once per connection).
    owner_client.post(URL, {"train_number": 7, "seat_count": 1}, format="json")
    today = timezone.localdate()
    dates = [today + datetime.timedelta(days=offset) for offset in (1, 2)]

    for day in [*dates, *dates]:
        body = f'{{{booking_target(train_number=7, journey_date=day)}, "seat_count": 2}}'
        queries, booked = queries_for_a_booking(owner_client, body)
        # The first sale of a date opens its journey inside the same statement.
        assert queries == 2
        assert booked["journey_date"] == day.isoformat()

    assert sorted(Journey.objects.filter(train=train).values_list("date", flat=True)) == [today, *dates]
