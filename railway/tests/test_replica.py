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


def sql_of(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def search_and_book(owner) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Search, then book and list; return the SQL each database ran for the search and for the rest."""
    client = client_for(owner)
    with queries_on("default") as primary, queries_on("replica") as replica:
        found = client.get(AVAILABILITY, {"source": "Alpha", "destination": "Gamma"})
    search = {"default": sql_of(primary), "replica": sql_of(replica)}
    with queries_on("default") as primary, queries_on("replica") as replica:
        booked = client.post("/user/book_seat/", {"train_number": 7, "seat_count": 1}, format="json")
        listed = client.get(f"/user/get_booking_details/{owner.pk}/")
    rest = {"default": sql_of(primary), "replica": sql_of(replica)}
    assert (found.status_code, booked.status_code, listed.status_code) == (200, 201, 200)
    assert found.json()[0]["train_number"] == 7
    return search, rest


def reads_the_network(sql: str) -> bool:
    """Whether `sql` reads trains, stops, or journeys and their free seats."""
    return any(table in sql for table in ("trains_", "bookings_journey", "bookings_freestretch"))


def test_with_the_replica_on_the_search_reads_there_and_everything_else_the_primary(
    settings, owner, make_train
):
    make_train(7, 5, "Alpha", "Beta", "Gamma")
    settings.AVAILABILITY_FROM_REPLICA = True

    search, rest = search_and_book(owner)

    # The replica ran the search and nothing else; the primary only authenticated the search,
    # and did all the rest.
    assert any(reads_the_network(sql) for sql in search["replica"])
    assert not any(reads_the_network(sql) for sql in search["default"])
    assert rest["replica"] == []
    assert any("bookings_" in sql for sql in rest["default"])


def test_with_the_replica_switched_off_nothing_reads_it(settings, owner, make_train):
    make_train(7, 5, "Alpha", "Beta", "Gamma")
    settings.AVAILABILITY_FROM_REPLICA = False

    search, rest = search_and_book(owner)

    assert search["replica"] == rest["replica"] == []
    assert any(reads_the_network(sql) for sql in search["default"])
    assert rest["default"]


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
