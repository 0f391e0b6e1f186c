"""GET /user/get_booking_details/<id>/ in pages: limit, the before cursor and the Link header."""

import re

import pytest

from bookings.models import Booking
from bookings.tests.client_calls import next_url
from railway.tests.bodies import error_body


def url(user_id):
    return f"/user/get_booking_details/{user_id}/"


def book(client, train_number=7, **extra):
    response = client.post(
        "/user/book_seat/", {"train_number": train_number, "seat_count": 1, **extra}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def walk(client, first_url):
    """Return the pages met by following the Link header from first_url to the end."""
    pages, page_url = [], first_url
    while page_url is not None:
        response = client.get(page_url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        page_url = next_url(response)
        assert len(pages) <= 100, "the next links never end"
    return pages


@pytest.fixture
def train(make_train, settings):
    # One user with many bookings on one train: far more seats than the per-user cap allows.
    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = 200
    return make_train(7, 200, "A", "B", "C")


def test_it_answers_one_page_without_a_link_when_everything_fits(owner, owner_client, train):
    booking = book(owner_client)

    response = owner_client.get(url(owner.pk))

    assert response.status_code == 200
    assert response.json() == [booking]
    assert "Link" not in response


def test_it_answers_at_most_20_bookings_by_default(owner, owner_client, train):
    for _ in range(21):
        book(owner_client)

    response = owner_client.get(url(owner.pk))

    assert len(response.json()) == 20
    assert next_url(response) is not None


@pytest.mark.parametrize("limit", ["1", "500"])
def test_it_accepts_a_limit_from_1_to_500(owner, owner_client, train, limit):
    book(owner_client)
    book(owner_client)

    response = owner_client.get(url(owner.pk), {"limit": limit})

    assert response.status_code == 200
    assert len(response.json()) == min(int(limit), 2)


@pytest.mark.parametrize(
    ("limit", "code"),
    [
        ("0", "min_value"),
        ("501", "max_value"),
        ("-1", "min_value"),
        ("abc", "invalid"),
        ("1.5", "invalid"),
        ("1.0", "invalid"),
        (" 5", "invalid"),
        ("1e3", "invalid"),
        ("9" * 40, "invalid"),
    ],
)
def test_it_rejects_a_limit_out_of_range_or_not_an_integer(owner, owner_client, limit, code):
    response = owner_client.get(url(owner.pk), {"limit": limit})

    assert response.status_code == 400
    body = error_body(response)
    assert set(body) == {"limit", "code"}
    assert body["code"] == code


def test_an_empty_limit_or_cursor_means_none_given(owner, owner_client, train):
    book(owner_client)

    response = owner_client.get(url(owner.pk), {"limit": "", "before": ""})

    assert response.status_code == 200
    assert len(response.json()) == 1


@pytest.mark.parametrize("cursor", ["not-a-cursor", "MTIz", "!!!", "x" * 65, "MS4yLjM"])
def test_it_rejects_a_malformed_cursor(owner, owner_client, cursor):
    response = owner_client.get(url(owner.pk), {"before": cursor})

    assert response.status_code == 400
    assert error_body(response) == {"before": ["Invalid cursor."], "code": "invalid_cursor"}


def test_the_next_links_walk_every_booking_once_newest_first_cancelled_included(owner, owner_client, train):
    bookings = [book(owner_client) for _ in range(7)]
    owner_client.post(f"/user/cancel_booking/{bookings[2]['booking_id']}/")
    everything = owner_client.get(url(owner.pk), {"limit": 500}).json()

    pages = walk(owner_client, f"http://testserver{url(owner.pk)}?limit=3")

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [row for page in pages for row in page] == everything
    assert [row["booking_id"] for row in everything] == [b["booking_id"] for b in reversed(bookings)]
    assert [row["status"] for row in everything].count("cancelled") == 1


def test_the_last_full_page_has_no_link(owner, owner_client, train):
    for _ in range(4):
        book(owner_client)

    pages = walk(owner_client, f"http://testserver{url(owner.pk)}?limit=2")

    assert [len(page) for page in pages] == [2, 2]


def test_bookings_made_in_the_same_microsecond_are_neither_skipped_nor_repeated(owner, owner_client, train):
    ids = [book(owner_client)["booking_id"] for _ in range(8)]
    instant = Booking.objects.get(pk=ids[1]).created_at
    Booking.objects.filter(pk__in=ids[1:7]).update(created_at=instant)

    pages = walk(owner_client, f"http://testserver{url(owner.pk)}?limit=3")

    walked = [row["booking_id"] for page in pages for row in page]
    assert walked == [ids[7], *reversed(ids[1:7]), ids[0]]
    assert [len(page) for page in pages] == [3, 3, 2]


def test_a_booking_made_while_walking_does_not_shift_the_pages(owner, owner_client, train):
    ids = [book(owner_client)["booking_id"] for _ in range(4)]
    first = owner_client.get(url(owner.pk), {"limit": 2})

    book(owner_client)
    rest = walk(owner_client, next_url(first))

    walked = [row["booking_id"] for row in first.json()] + [
        row["booking_id"] for page in rest for row in page
    ]
    assert walked == list(reversed(ids))


def test_the_link_keeps_the_limit_and_the_user(owner, owner_client, booking_staff_client, train):
    for _ in range(3):
        book(owner_client)

    response = booking_staff_client.get(url(owner.pk), {"limit": 2})

    assert next_url(response).startswith(f"http://testserver{url(owner.pk)}?")
    assert "limit=2" in next_url(response)
    assert [len(page) for page in walk(booking_staff_client, next_url(response))] == [1]


def test_another_users_cursor_shows_only_the_users_own_bookings(
    owner, other_user, owner_client, other_client, train
):
    mine = [book(owner_client)["booking_id"] for _ in range(2)]
    theirs = [book(other_client)["booking_id"] for _ in range(3)]
    their_cursor_url = next_url(other_client.get(url(other_user.pk), {"limit": 1}))
    cursor = re.search(r"before=([^&]+)", their_cursor_url)[1]

    response = owner_client.get(url(owner.pk), {"before": cursor})

    assert response.status_code == 200
    assert {row["user_id"] for row in response.json()} <= {owner.pk}
    assert not {row["booking_id"] for row in response.json()} & set(theirs)
    assert {row["booking_id"] for row in response.json()} <= set(mine)


def test_a_cursor_does_not_open_another_users_list(owner, other_user, owner_client, other_client, train):
    book(other_client)
    book(other_client)
    their_next = next_url(other_client.get(url(other_user.pk), {"limit": 1}))

    response = owner_client.get(their_next)

    assert response.status_code == 403
    assert "booking_id" not in response.content.decode()


def test_the_list_costs_the_same_queries_for_1_or_50_bookings(
    owner, owner_client, train, django_assert_num_queries
):
    book(owner_client)
    book(owner_client)
    with django_assert_num_queries(3):  # the token, the page with its station names, its passengers
        assert len(owner_client.get(url(owner.pk)).json()) == 2

    for _ in range(48):
        book(owner_client, source="B", destination="C")
    with django_assert_num_queries(3):
        assert len(owner_client.get(url(owner.pk), {"limit": 50}).json()) == 50
    with django_assert_num_queries(3):
        page = owner_client.get(url(owner.pk), {"limit": 10})
    with django_assert_num_queries(3):
        assert len(owner_client.get(next_url(page)).json()) == 10
