"""The availability search reads from a replica when one is configured and switched on; nothing else does."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from conftest import client_for
from railway.routers import ReplicaRouter

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

AVAILABILITY = "/user/get_seat_availability/"


def queries_on(alias: str) -> CaptureQueriesContext:
    return CaptureQueriesContext(connections[alias])


def is_the_search(sql: str) -> bool:
    """Whether `sql` is the availability search (as text, or prepared and executed by name)."""
    return "bookings_trains_between" in sql or "FROM trains_station origin" in sql


def search_and_book(owner) -> tuple[list[str], list[str]]:
    """Search, then book; return the SQL each database ran."""
    client = client_for(owner)
    with queries_on("default") as primary, queries_on("replica") as replica:
        found = client.get(AVAILABILITY, {"source": "Alpha", "destination": "Gamma"})
        booked = client.post("/user/book_seat/", {"train_number": 7, "seat_count": 1}, format="json")
        listed = client.get(f"/user/get_booking_details/{owner.pk}/")
    assert (found.status_code, booked.status_code, listed.status_code) == (200, 201, 200)
    assert found.json()[0]["train_number"] == 7
    return [query["sql"] for query in primary], [query["sql"] for query in replica]


def test_with_the_replica_on_the_search_reads_there_and_everything_else_the_primary(
    settings, owner, make_train
):
    make_train(7, 5, "Alpha", "Beta", "Gamma")
    settings.AVAILABILITY_FROM_REPLICA = True

    primary, replica = search_and_book(owner)

    # The replica ran the search and nothing else; the primary never ran it, but did the rest.
    assert replica and all(is_the_search(sql) for sql in replica)
    assert not any(is_the_search(sql) for sql in primary)
    assert any("bookings_" in sql for sql in primary)


def test_with_the_replica_switched_off_nothing_reads_it(settings, owner, make_train):
    make_train(7, 5, "Alpha", "Beta", "Gamma")
    settings.AVAILABILITY_FROM_REPLICA = False

    primary, replica = search_and_book(owner)

    assert replica == []
    assert primary


def test_the_router_sends_only_the_hinted_search_to_a_configured_replica(settings):
    router = ReplicaRouter()
    settings.AVAILABILITY_FROM_REPLICA = True

    assert router.db_for_read(object, availability_search=True) == "replica"
    assert router.db_for_read(object) is None
    assert router.db_for_write(object, availability_search=True) == "default"
    assert router.allow_migrate("replica", "bookings") is False
    assert router.allow_migrate("default", "bookings") is True

    settings.AVAILABILITY_FROM_REPLICA = False
    assert router.db_for_read(object, availability_search=True) is None
