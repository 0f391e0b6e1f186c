"""GET /trains/<train_number>/journeys/<date>/seats/: a journey's coaches and the seats free on a segment."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from bookings.tests.client_calls import booked
from railway.tests.bodies import error_body
from trains.coach_plans import CoachPlan
from trains.models import ServiceException, Station, Train
from trains.services import train_seating_set

pytestmark = pytest.mark.django_db

TODAY = "2026-11-26"


@pytest.fixture(autouse=True)
def noon_on_the_26th():
    # No timetable times: every train leaves each of its stops at midnight of the date (UTC here).
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC)):
        yield


def seat_map_url(train_number, journey_date=TODAY):
    return f"/trains/{train_number}/journeys/{journey_date}/seats/"


def seat_map(client, train_number, journey_date=TODAY, **params):
    response = client.get(seat_map_url(train_number, journey_date), params)
    assert response.status_code == 200, response.content
    return response.json()


def free_seats(answer):
    return {seat["seat_number"] for coach in answer["coaches"] for seat in coach["seats"] if seat["free"]}


@pytest.fixture
def sleeper(make_train) -> Train:
    """Train 700, Pune - Nagpur - Delhi - Amritsar: a 3A coach of 8 berths and a 2S coach of 5 seats."""
    train = make_train(700, 13, "Pune", "Nagpur", "Delhi", "Amritsar", name="Sleeper")
    train_seating_set(
        train=train,
        total_seats=13,
        coaches=[CoachPlan("B1", "3A", 8, "berths-8"), CoachPlan("D1", "2S", 5, "seats-3x2")],
    )
    return train


def test_it_shows_every_coach_in_order_with_its_seats_and_their_positions(owner_client, sleeper):
    answer = seat_map(owner_client, 700)

    assert answer == {
        "train_number": 700,
        "journey_date": TODAY,
        "source": "Pune",
        "destination": "Amritsar",
        "coaches": [
            {
                "coach": "B1",
                "travel_class": "3A",
                "layout": "berths-8",
                "seats": [
                    {"seat": seat, "seat_number": seat, "position": position, "free": True}
                    for seat, position in enumerate(
                        ["lower", "middle", "upper", "lower", "middle", "upper", "side_lower", "side_upper"],
                        start=1,
                    )
                ],
            },
            {
                "coach": "D1",
                "travel_class": "2S",
                "layout": "seats-3x2",
                "seats": [
                    {"seat": seat, "seat_number": 8 + seat, "position": position, "free": True}
                    for seat, position in enumerate(["window", "middle", "aisle", "aisle", "window"], start=1)
                ],
            },
        ],
    }


def test_a_journey_not_sold_yet_has_every_seat_free_without_reading_stretches(
    owner_client, sleeper, django_assert_max_num_queries
):
    # The token, the train with its route and coaches, whether the journey is open.
    with django_assert_max_num_queries(3):
        answer = seat_map(owner_client, 700, "2026-12-01")

    assert free_seats(answer) == set(range(1, 14))


def test_seats_booked_on_a_segment_are_taken_on_every_segment_overlapping_it(owner_client, sleeper):
    booking = booked(
        owner_client, 700, 3, travel_class="3A", source="Nagpur", destination="Delhi", journey_date=TODAY
    )
    held = set(booking["seat_numbers"])

    for source, destination in [
        ("Pune", "Amritsar"),
        ("Nagpur", "Delhi"),
        ("Pune", "Delhi"),
        ("Nagpur", "Amritsar"),
    ]:
        answer = seat_map(owner_client, 700, source=source, destination=destination)
        assert free_seats(answer) == set(range(1, 14)) - held, (source, destination)


def test_an_open_journey_reads_its_free_seats_in_one_more_query(
    owner_client, sleeper, django_assert_max_num_queries
):
    booking = booked(owner_client, 700, 2, travel_class="3A", journey_date=TODAY)

    with django_assert_max_num_queries(4):
        answer = seat_map(owner_client, 700)

    assert free_seats(answer) == set(range(1, 14)) - set(booking["seat_numbers"])


def test_seats_booked_on_a_segment_are_free_on_segments_that_do_not_overlap_it(owner_client, sleeper):
    booked(owner_client, 700, 3, travel_class="3A", source="Nagpur", destination="Delhi", journey_date=TODAY)

    for source, destination in [("Pune", "Nagpur"), ("Delhi", "Amritsar")]:
        answer = seat_map(owner_client, 700, source=source, destination=destination)
        assert free_seats(answer) == set(range(1, 14)), (source, destination)


def test_a_seat_sold_on_two_separate_segments_is_free_only_between_them(owner_client, make_train):
    make_train(800, 4, "Pune", "Nagpur", "Delhi", "Amritsar")
    booked(owner_client, 800, 4, source="Pune", destination="Nagpur", journey_date=TODAY)
    booked(owner_client, 800, 4, source="Delhi", destination="Amritsar", journey_date=TODAY)

    assert free_seats(seat_map(owner_client, 800, source="Nagpur", destination="Delhi")) == {1, 2, 3, 4}
    assert free_seats(seat_map(owner_client, 800, source="Pune", destination="Delhi")) == set()
    assert free_seats(seat_map(owner_client, 800, source="Nagpur", destination="Amritsar")) == set()


def test_it_reads_the_journey_of_the_date_asked_for(owner_client, make_train):
    make_train(800, 4, "Pune", "Nagpur", "Delhi", "Amritsar")
    booked(owner_client, 800, 4, journey_date=TODAY)

    assert free_seats(seat_map(owner_client, 800, TODAY)) == set()
    assert free_seats(seat_map(owner_client, 800, "2026-11-27")) == {1, 2, 3, 4}


def test_a_cancelled_booking_frees_its_seats_on_the_map(owner_client, sleeper):
    booking = booked(owner_client, 700, 4, travel_class="3A", journey_date=TODAY)
    response = owner_client.post(f"/user/cancel_booking/{booking['booking_id']}/")
    assert response.status_code == 200, response.content

    assert free_seats(seat_map(owner_client, 700)) == set(range(1, 14))


def test_travel_class_keeps_the_coaches_of_that_class_in_any_case(owner_client, sleeper):
    answer = seat_map(owner_client, 700, travel_class="2s")

    assert [coach["coach"] for coach in answer["coaches"]] == ["D1"]
    assert [seat["seat_number"] for seat in answer["coaches"][0]["seats"]] == [9, 10, 11, 12, 13]


def test_an_unknown_travel_class_is_refused_listing_the_trains_classes(owner_client, sleeper):
    response = owner_client.get(seat_map_url(700), {"travel_class": "1A"})

    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "unknown_travel_class"
    assert body["classes"] == ["3A", "2S"]


def test_stations_are_taken_by_code_or_by_name(owner_client, sleeper):
    nagpur = Station.objects.get(name="Nagpur").code
    delhi = Station.objects.get(name="Delhi").code

    by_code = seat_map(owner_client, 700, source=nagpur.lower(), destination=delhi)
    by_name = seat_map(owner_client, 700, source="nagpur", destination="DELHI")

    assert by_code == by_name
    assert (by_code["source"], by_code["destination"]) == ("Nagpur", "Delhi")


def test_one_end_of_the_segment_defaults_to_the_end_of_the_route(owner_client, sleeper):
    answer = seat_map(owner_client, 700, source="Delhi")

    assert (answer["source"], answer["destination"]) == ("Delhi", "Amritsar")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"source": "Mumbai"}, "source_not_on_route"),
        ({"destination": "Mumbai"}, "destination_not_on_route"),
        ({"source": "Delhi", "destination": "Nagpur"}, "wrong_order"),
        ({"source": "Delhi", "destination": "Delhi"}, "same_station"),
    ],
)
def test_a_segment_the_route_cannot_serve_is_refused(owner_client, sleeper, params, code):
    response = owner_client.get(seat_map_url(700), params)

    assert response.status_code == 400
    assert error_body(response)["code"] == code


@pytest.mark.parametrize("journey_date", ["2026-11-31", "26-11-2026", "20261126", "1999-12-31", "tomorrow"])
def test_a_journey_date_that_is_no_date_or_out_of_range_is_refused(owner_client, sleeper, journey_date):
    response = owner_client.get(seat_map_url(700, journey_date))

    assert response.status_code == 400
    assert error_body(response)["code"] == "invalid"


def test_a_date_the_train_does_not_start_on_is_refused_as_book_seat_refuses_it(owner_client, sleeper):
    ServiceException.objects.create(train=sleeper, date=datetime.date(2026, 12, 2), runs=False)

    seat_map_answer = owner_client.get(seat_map_url(700, "2026-12-02"))
    sale_answer = owner_client.post(
        "/user/book_seat/",
        {"train_number": 700, "seat_count": 1, "journey_date": "2026-12-02"},
        format="json",
    )

    assert seat_map_answer.status_code == sale_answer.status_code == 400
    assert error_body(seat_map_answer)["code"] == error_body(sale_answer)["code"] == "train_not_running"


def test_a_past_journey_still_shows_its_seats(owner_client, sleeper):
    answer = seat_map(owner_client, 700, "2026-11-01")

    assert answer["journey_date"] == "2026-11-01"
    assert free_seats(answer) == set(range(1, 14))


def test_an_unknown_or_withdrawn_train_is_not_found(owner_client, sleeper):
    Train.objects.filter(pk=sleeper.pk).update(withdrawn_at=timezone.now())

    for train_number in [700, 701, 999_999_999_999]:
        response = owner_client.get(seat_map_url(train_number))
        assert response.status_code == 404
        assert error_body(response)["code"] == "train_not_found"


def test_every_signed_in_user_may_read_it(owner_client, other_client, staff_client, sleeper):
    booked(owner_client, 700, 2, travel_class="3A", journey_date=TODAY)

    answers = [seat_map(client, 700) for client in (owner_client, other_client, staff_client)]

    assert answers[0] == answers[1] == answers[2]


def test_it_refuses_an_anonymous_caller(anon_client, sleeper):
    response = anon_client.get(seat_map_url(700))

    assert response.status_code == 401
    assert error_body(response)["code"] == "not_authenticated"
