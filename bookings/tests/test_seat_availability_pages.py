"""GET /user/get_seat_availability/ in pages: limit, after, the Link header and a bounded cost."""

import pytest

from bookings.services import booking_create
from bookings.tests.client_calls import next_url
from railway.tests.bodies import error_body
from trains.models import Train

URL = "/user/get_seat_availability/"
# The search's queries: the two stations asked for, the trains calling at both, the exceptions
# of their start dates, the page's trains' classes and fares, then the page's open journeys and
# their seats free on the segments asked for.
SEARCH_QUERIES = 6


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
    body = error_body(response)
    assert set(body) == {"after", "code"}
    assert body["code"] == "after_not_listed"


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("limit", "0", "min_value"),
        ("limit", "201", "max_value"),
        ("limit", "x", "invalid"),
        ("limit", "2.5", "invalid"),
        ("after", "-1", "min_value"),
        ("after", "1e3", "invalid"),
    ],
)
def test_it_rejects_a_bad_limit_or_after(owner_client, five_trains, name, value, code):
    response = owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi", name: value})

    assert response.status_code == 400
    body = error_body(response)
    assert set(body) == {name, "code"}
    assert body["code"] == code


def test_it_costs_the_same_queries_for_1_or_20_trains(
    owner, owner_client, make_train, django_assert_num_queries
):
    make_train(1, 4, "Pune", "Mumbai", "Delhi")
    make_train(2, 4, "Mumbai", "Goa")
    # With no journey open, nothing is counted: one query less.
    with django_assert_num_queries(SEARCH_QUERIES):  # the token, then the search
        response = owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi"})
    assert len(response.json()) == 1

    for number in range(3, 22):
        make_train(number, 4, "Mumbai", "Surat", "Delhi")
        # Half the journeys open, with seats sold on either leg.
        if number % 2:
            booking_create(user=owner, train_number=number, seat_count=1, destination="Surat")
            booking_create(user=owner, train_number=number, seat_count=2, source="Surat")
    with django_assert_num_queries(1 + SEARCH_QUERIES):
        response = owner_client.get(URL, {"source": "Mumbai", "destination": "Delhi"})
    assert len(response.json()) == 20
    assert sorted(row["available_seats"] for row in response.json()) == [2] * 10 + [4] * 10


def test_an_unknown_station_costs_one_query(owner_client, make_train, django_assert_num_queries):
    make_train(1, 4, "Mumbai", "Delhi")

    with django_assert_num_queries(2):  # the token, then the trains calling at both stations
        response = owner_client.get(URL, {"source": "Nowhere", "destination": "Delhi"})

    assert response.json() == []


def test_it_counts_seats_on_the_last_legs_of_a_route_of_the_most_stops(owner_client, make_train):
    stations = [f"S{index}" for index in range(Train.MAX_STOPS)]
    make_train(7, 2, *stations)
    booked = owner_client.post(
        "/user/book_seat/",
        {"train_number": 7, "seat_count": 1, "source": "S247", "destination": "S249"},
        format="json",
    )
    assert booked.status_code == 201

    def available(source, destination):
        response = owner_client.get(URL, {"source": source, "destination": destination})
        return response.json()[0]["available_seats"]

    assert available("S0", "S249") == 1
    assert available("S248", "S249") == 1
    assert available("S0", "S247") == 2
    assert available("S247", "S248") == 1
