"""GET /stations/?q=: stations found by any part of their name, for any signed-in user, in pages."""

import re

import pytest

from railway.tests.bodies import error_body
from trains.models import Station, StationWord
from trains.services import station_create

URL = "/stations/"

pytestmark = pytest.mark.django_db


def find(client, q, **params):
    return client.get(URL, {"q": q, **params})


def next_url(response):
    link = response.get("Link")
    if link is None:
        return None
    match = re.fullmatch(r'<(http://testserver/[^>]+)>; rel="next"', link)
    assert match, link
    return match[1]


@pytest.fixture
def stations(db):
    for code, name in [
        ("PSL", "gare de Paris-St-Lazare"),
        ("PNO", "Paris Nord"),
        ("ZRH", "Zürich HB"),
        ("SPO", "St. Pölten Hbf"),
        ("LZR", "Lazarevac"),
    ]:
        station_create(code=code, name=name, time_zone="Europe/Belgrade" if code == "LZR" else "Europe/Paris")


def test_words_of_the_name_in_any_order_case_accents_and_punctuation_find_the_station(owner_client, stations):
    for query in ("paris st lazare", "PARIS-ST-LAZARE", "lazare paris", "Gare de Paris St. Lazare"):
        response = find(owner_client, query)

        assert response.status_code == 200, response.content
        assert response.json() == [
            {"code": "PSL", "name": "gare de Paris-St-Lazare", "time_zone": "Europe/Paris"}
        ], query


def test_each_word_may_be_the_beginning_of_a_word_of_the_name(owner_client, stations):
    assert [row["code"] for row in find(owner_client, "par").json()] == ["PSL", "PNO"]
    assert [row["code"] for row in find(owner_client, "zur").json()] == ["ZRH"]
    assert [row["code"] for row in find(owner_client, "st polt").json()] == ["SPO"]
    assert [row["code"] for row in find(owner_client, "laz").json()] == ["PSL", "LZR"]


def test_a_word_must_begin_a_word_of_the_name_not_sit_inside_it(owner_client, stations):
    assert find(owner_client, "azare").json() == []
    assert find(owner_client, "paris zurich").json() == []


def test_stations_come_by_name_then_code(owner_client):
    station_create(code="CEN2", name="Central")
    station_create(code="CEN1", name="central")
    station_create(code="ACE", name="Ancient Central")

    assert [row["code"] for row in find(owner_client, "central").json()] == ["ACE", "CEN1", "CEN2"]


def test_pages_follow_the_link_header_to_the_last_station(owner_client):
    for number in range(7):
        station_create(code=f"H{number}", name=f"Halt {number}")

    codes, url = [], None
    response = find(owner_client, "halt", limit=3)
    while True:
        assert response.status_code == 200, response.content
        codes += [row["code"] for row in response.json()]
        url = next_url(response)
        if url is None:
            break
        response = owner_client.get(url)

    assert codes == [f"H{number}" for number in range(7)]


def test_a_full_last_page_has_no_link(owner_client):
    for number in range(2):
        station_create(code=f"H{number}", name=f"Halt {number}")

    response = find(owner_client, "halt", limit=2)

    assert len(response.json()) == 2
    assert "Link" not in response


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "blank"),
        ("  -- . ", "no_words"),
        ("a" * 101, "max_length"),
        ("paris\x00", "control_character"),
        ("paris\x1bnord", "control_character"),
        ("a b c d e f g h i", "too_many_words"),
    ],
)
def test_a_bad_query_is_a_400_with_its_code(owner_client, query, code):
    response = find(owner_client, query)

    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == code
    assert "q" in body


def test_a_missing_query_is_a_400(owner_client):
    response = owner_client.get(URL)

    assert response.status_code == 400
    assert error_body(response)["code"] == "required"


@pytest.mark.parametrize("after", ["%%%", "bm90IGpzb24", "WzFd"])
def test_a_cursor_it_did_not_make_is_a_400(owner_client, stations, after):
    response = find(owner_client, "paris", after=after)

    assert response.status_code == 400
    assert error_body(response)["code"] == "invalid_cursor"


def test_it_answers_401_without_a_token(anon_client, stations):
    response = find(anon_client, "paris")

    assert response.status_code == 401


def test_every_user_finds_the_same_stations(owner_client, other_client, staff_client, stations):
    answers = [find(client, "paris").json() for client in (owner_client, other_client, staff_client)]

    assert answers[0] == answers[1] == answers[2] != []


def test_it_is_throttled_per_user(owner_client, other_client, stations, throttle_limits):
    throttle_limits(station_search_user="2/min")

    statuses = [find(owner_client, "paris").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert find(other_client, "paris").status_code == 200


def test_a_station_is_found_under_its_new_name_once_renamed(owner_client):
    from trains.services import station_rename

    station = station_create(code="OLD", name="Old Town")
    station_rename(station=station, name="New Town")

    assert find(owner_client, "old").json() == []
    assert find(owner_client, "new town").json() == [{"code": "OLD", "name": "New Town", "time_zone": "UTC"}]


def test_a_station_has_one_word_row_per_distinct_word(db):
    station = station_create(code="BB", name="Baden-Baden")

    assert list(StationWord.objects.filter(station=station).values_list("word", flat=True)) == ["baden"]
    assert Station.objects.get(code="BB").key == "baden baden"
