"""GET /user/get_seat_availability/ in pages: limit, after, the Link header and a bounded cost."""

import pytest
from django.db import connection

from bookings.tests.client_calls import next_url
from railway.tests.bodies import error_body

URL = "/user/get_seat_availability/"
# The search's queries: one prepared query on PostgreSQL; on SQLite, the trains at both
# stations, then the exceptions of their dates and the seats of the page's journeys.
SEARCH_QUERIES = 1 if connection.vendor == "postgresql" else 3


@pytest.fixture
def five_trains(make_train):
    for number in (50, 10, 40, 20, 30):
        make_train(number, 3, "Pune", "Mumbai", "Delhi")
    make_train(60, 3, "Delhi", "Mumbai")


def test_it_answers_up_to_limit_trains_and_links_the_next_page(owner_client, five_trains):
    response = owner_client.get(URL, {"source": "mumbai", "destination": "delhi", "limit": 2})

    assert response.status_code == 200
    assert [row["train_number"] for row in response.json()] == [10, 20]
    assert "after=20" in next_url(response)
    assert "source=mumbai" in next_url(response)


def test_the_next_links_walk_every_train_once_in_order(owner_client, five_trains):
    # The trains leave at the same time, so they come by number.
    walked, page_url = [], f"http://testserver{URL}?source=Mumbai&destination=Delhi&limit=2"
    while page_url is not None:
        response = owner_client.get(page_url)
        assert response.status_code == 200
        walked.append([row["train_number"] for row in response.json()])
        page_url = next_url(response)

    assert walked == [[10, 20], [30, 40], [50]]


def test_it_answers_every_train_on_one_page_without_a_link_by_default(owner_client, five_trains):
    response = owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi"})

    assert [row["train_number"] for row in response.json()] == [10, 20, 30, 40, 50]
    assert "Link" not in response


def test_after_skips_trains_up_to_that_one(owner_client, five_trains):
    response = owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi", "after": 20})

    assert [row["train_number"] for row in response.json()] == [30, 40, 50]


@pytest.mark.parametrize("after", ["25", "60", "2147483647"])
def test_it_refuses_to_continue_after_a_train_that_is_not_in_the_answer(owner_client, five_trains, after):
    # 25 does not exist; 60 runs, but the other way round.
    response = owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi", "after": after})

    assert response.status_code == 400
    assert list(error_body(response)) == ["after"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("limit", "0"), ("limit", "201"), ("limit", "x"), ("limit", "2.5"), ("after", "-1"), ("after", "1e3")],
)
def test_it_rejects_a_bad_limit_or_after(owner_client, five_trains, name, value):
    response = owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi", name: value})

    assert response.status_code == 400
    assert set(error_body(response)) == {name}


def test_it_costs_the_same_queries_for_1_or_20_trains(owner_client, make_train, django_assert_num_queries):
    make_train(1, 4, "Pune", "Mumbai", "Delhi")
    make_train(2, 4, "Mumbai", "Goa")
    owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi"})  # prepares the query once
    with django_assert_num_queries(1 + SEARCH_QUERIES):  # the token, then the search
        response = owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi"})
    assert len(response.json()) == 1

    for number in range(3, 22):
        make_train(number, 4, "Mumbai", "Surat", "Delhi")
    with django_assert_num_queries(1 + SEARCH_QUERIES):
        response = owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi"})
    assert len(response.json()) == 20


def test_an_unknown_station_costs_one_query(owner_client, make_train, django_assert_num_queries):
    make_train(1, 4, "Mumbai", "Delhi")
    owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi"})  # prepares the query once

    with django_assert_num_queries(2):
        response = owner_client.get(URL, {"source": "Nowhere", "destination": "Delhi"})

    assert response.json() == []


def test_it_counts_seats_on_the_last_legs_of_a_63_leg_route(owner_client, make_train):
    stations = [f"S{index}" for index in range(64)]
    make_train(7, 2, *stations)
    booked = owner_client.post(
        "/user/book_seat/",
        {"train_number": 7, "seat_count": 1, "source": "S61", "destination": "S63"},
        format="json",
    )
    assert booked.status_code == 201

    def available(source, destination):
        response = owner_client.get(URL, {"source": source, "destination": destination})
        return response.json()[0]["available_seats"]

    assert available("S0", "S63") == 1
    assert available("S62", "S63") == 1
    assert available("S0", "S61") == 2
    assert available("S61", "S62") == 1
