"""The train admin: superuser-only writes, route validation, the route guard of booked trains, occupancy."""

import datetime
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_cancel, booking_create
from bookings.tests.admin_forms import ADD_URL, change_url, errors_of, train_form
from conftest import client_for
from trains.models import WEEKDAY_NAMES, Station, Train
from trains.selectors import train_route


@pytest.fixture
def booked_train(make_train, owner) -> Train:
    train = make_train(300, 10, "Alpha", "Beta", "Gamma")
    booking_create(user=owner, train_number=300, seat_count=3, source="Alpha", destination="Beta")
    return train


def test_the_train_list_renders_for_a_superuser(superuser_client, make_train):
    make_train(101, 40, "Alpha", "Beta", "Gamma")

    trains = superuser_client.get("/admin/trains/train/")

    assert trains.status_code == 200
    assert "Alpha → Gamma" in trains.content.decode()


def test_the_add_and_change_pages_render(superuser_client, make_train):
    train = make_train(101, 40, "Alpha", "Beta")

    assert superuser_client.get(ADD_URL).status_code == 200
    assert superuser_client.get(change_url(train)).status_code == 200


def test_a_train_added_in_the_admin_is_bookable_through_the_api(superuser_client, owner):
    Station.objects.create(name="Beta", code="BETA")
    data = train_form(
        train_number=555, total_seats=4, name=" Coastal ", stops=[(0, "Alpha"), (1, " beta "), (2, "Gamma")]
    )

    response = superuser_client.post(ADD_URL, data)

    assert response.status_code == 302, errors_of(response)
    train = Train.objects.get(train_number=555)
    assert train.name == "Coastal"
    assert train_route(train=train) == ["Alpha", "Beta", "Gamma"]
    assert Station.objects.filter(name__iexact="beta").count() == 1
    booked = client_for(owner).post(
        "/user/book_seat/",
        {"train_number": 555, "seat_count": 2, "source": "Beta", "destination": "Gamma"},
        format="json",
    )
    assert booked.status_code == 201, booked.content
    assert booked.json()["seat_numbers"] == [1, 2]


def test_a_stop_can_be_chosen_from_the_existing_stations(superuser_client):
    alpha, omega = (
        Station.objects.create(name="Alpha", code="A"),
        Station.objects.create(name="Omega", code="O"),
    )
    data = train_form(train_number=556, total_seats=4, stops=[(0, ""), (1, "")])
    data["stops-0-station"], data["stops-1-station"] = alpha.pk, omega.pk

    response = superuser_client.post(ADD_URL, data)

    assert response.status_code == 302, errors_of(response)
    assert train_route(train=Train.objects.get(train_number=556)) == ["Alpha", "Omega"]


def test_stops_are_stored_in_position_order_whatever_the_form_order(superuser_client):
    data = train_form(train_number=557, total_seats=4, stops=[(2, "Gamma"), (0, "Alpha"), (1, "Beta")])

    response = superuser_client.post(ADD_URL, data)

    assert response.status_code == 302, errors_of(response)
    assert train_route(train=Train.objects.get(train_number=557)) == ["Alpha", "Beta", "Gamma"]


@pytest.mark.parametrize(
    ("stops", "message"),
    [
        ([(0, "Alpha"), (1, "Beta"), (2, " ALPHA "), (3, "Gamma")], "appears more than once"),
        ([(0, "Alpha"), (1, "alpha")], "Destination must differ from source"),
        ([(0, "Alpha")], "at least its source and destination"),
        ([(0, "Alpha"), (2, "Beta")], "without gaps"),
        ([(1, "Alpha"), (2, "Beta")], "without gaps"),
        ([(0, "Alpha"), (0, "Beta")], "without gaps"),
        ([(0, "Alpha"), (1, "")], "Choose a station or type its name"),
    ],
)
def test_the_admin_refuses_a_route_the_api_would_refuse(superuser_client, stops, message):
    response = superuser_client.post(ADD_URL, train_form(train_number=558, total_seats=4, stops=stops))

    assert response.status_code == 200
    assert message in errors_of(response)
    assert not Train.objects.filter(train_number=558).exists()


@pytest.mark.parametrize("total_seats", [0, 10_001])
def test_the_admin_refuses_seats_outside_the_allowed_range(superuser_client, total_seats):
    data = train_form(train_number=559, total_seats=total_seats, stops=[(0, "Alpha"), (1, "Beta")])

    response = superuser_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert not Train.objects.filter(train_number=559).exists()


def test_the_admin_refuses_a_duplicate_train_number(superuser_client, make_train):
    make_train(560, 4, "Alpha", "Beta")

    response = superuser_client.post(
        ADD_URL, train_form(train_number=560, total_seats=4, stops=[(0, "Gamma"), (1, "Delta")])
    )

    assert response.status_code == 200
    assert "already exists" in errors_of(response)


def test_the_admin_adds_a_variant_of_a_number_on_other_dates(superuser_client, make_train):
    weekdays = make_train(561, 4, "Alpha", "Beta")
    weekdays.runs_on = 0b001_1111
    weekdays.save(update_fields=["runs_on"])
    weekend = train_form(train_number=561, total_seats=4, stops=[(0, "Alpha"), (1, "Gamma")])

    sharing_friday = superuser_client.post(ADD_URL, {**weekend, "weekdays": [4, 5, 6]})
    on_its_own_days = superuser_client.post(ADD_URL, {**weekend, "weekdays": [5, 6]})

    assert sharing_friday.status_code == 200
    assert "runs on" in errors_of(sharing_friday) and "variants of a number" in errors_of(sharing_friday)
    assert on_its_own_days.status_code == 302
    assert Train.objects.filter(train_number=561).count() == 2


def test_staff_who_are_not_superusers_cannot_add_a_train(staff):
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_train", "change_train", "view_train", "add_stop"])
    )
    client = Client()
    client.force_login(staff)

    page = client.get(ADD_URL)
    posted = client.post(ADD_URL, train_form(train_number=561, total_seats=4, stops=[(0, "A"), (1, "B")]))

    assert page.status_code == 403
    assert posted.status_code == 403
    assert not Train.objects.filter(train_number=561).exists()


def test_staff_who_are_not_superusers_cannot_change_a_train(staff, make_train):
    train = make_train(562, 4, "Alpha", "Beta")
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_train", "view_train"]))
    client = Client()
    client.force_login(staff)
    stops = list(train.stops.order_by("position"))

    posted = client.post(
        change_url(train),
        train_form(train_number=562, total_seats=99, stops=[(0, "Alpha"), (1, "Beta")], existing=stops),
    )

    assert posted.status_code == 403
    train.refresh_from_db()
    assert train.total_seats == 4


def test_the_stops_of_an_unbooked_train_can_be_reordered_and_extended(superuser_client, make_train):
    train = make_train(563, 4, "Alpha", "Beta", "Gamma")
    stops = list(train.stops.order_by("position"))
    data = train_form(
        train_number=563,
        total_seats=4,
        stops=[(0, "Alpha"), (2, "Beta"), (1, "Gamma"), (3, "Delta")],
        existing=stops,
    )

    response = superuser_client.post(change_url(train), data)

    assert response.status_code == 302, errors_of(response)
    assert train_route(train=train) == ["Alpha", "Gamma", "Beta", "Delta"]


def test_the_stops_of_a_booked_train_cannot_be_changed(superuser_client, booked_train):
    stops = list(booked_train.stops.order_by("position"))
    data = train_form(
        train_number=300, total_seats=10, stops=[(0, "Alpha"), (1, "Delta"), (2, "Gamma")], existing=stops
    )

    response = superuser_client.post(change_url(booked_train), data)

    assert response.status_code == 200
    assert "has bookings" in errors_of(response)
    assert train_route(train=booked_train) == ["Alpha", "Beta", "Gamma"]


def test_the_stops_of_a_booked_train_cannot_be_deleted(superuser_client, booked_train):
    stops = list(booked_train.stops.order_by("position"))
    data = train_form(
        train_number=300,
        total_seats=10,
        stops=[(0, "Alpha"), (1, "Beta"), (1, "Gamma")],
        existing=stops,
        deleted={1},
    )

    response = superuser_client.post(change_url(booked_train), data)

    assert response.status_code == 200
    assert "has bookings" in errors_of(response)
    assert train_route(train=booked_train) == ["Alpha", "Beta", "Gamma"]


def test_a_cancelled_booking_still_freezes_the_route(superuser_client, booked_train, admin_user):
    booking_cancel(booking_id=Booking.objects.get().pk, actor=admin_user)
    stops = list(booked_train.stops.order_by("position"))
    data = train_form(
        train_number=300, total_seats=10, stops=[(0, "Alpha"), (1, "Delta"), (2, "Gamma")], existing=stops
    )

    response = superuser_client.post(change_url(booked_train), data)

    assert "has bookings" in errors_of(response)


def test_a_booked_train_can_still_be_renamed_and_given_more_seats(superuser_client, booked_train):
    stops = list(booked_train.stops.order_by("position"))
    data = train_form(
        train_number=300,
        total_seats=20,
        name="Renamed",
        stops=[(0, "Alpha"), (1, "Beta"), (2, "Gamma")],
        existing=stops,
    )

    response = superuser_client.post(change_url(booked_train), data)

    assert response.status_code == 302, errors_of(response)
    booked_train.refresh_from_db()
    assert (booked_train.name, booked_train.total_seats) == ("Renamed", 20)
    assert train_route(train=booked_train) == ["Alpha", "Beta", "Gamma"]


def test_the_seats_cannot_drop_below_a_sold_seat(superuser_client, booked_train):
    stops = list(booked_train.stops.order_by("position"))
    data = train_form(
        train_number=300, total_seats=2, stops=[(0, "Alpha"), (1, "Beta"), (2, "Gamma")], existing=stops
    )

    response = superuser_client.post(change_url(booked_train), data)

    assert response.status_code == 200
    assert "Seat 3 is sold" in errors_of(response)
    booked_train.refresh_from_db()
    assert booked_train.total_seats == 10


def test_the_change_page_shows_the_busiest_leg_of_the_next_journeys(superuser_client, booked_train):
    response = superuser_client.get(change_url(booked_train))

    page = response.content.decode()
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    journeys = f"/admin/trains/train/{booked_train.pk}/journey/"
    label = f"{WEEKDAY_NAMES[today.weekday()]} {today}"
    assert f'<a href="{journeys}?date={today.isoformat()}">{label}</a>: busiest leg 3/10 sold' in page
    assert f'<a href="{journeys}?date={tomorrow.isoformat()}">' in page
    assert f"{tomorrow}</a>: busiest leg 0/10 sold" in page
    assert f'<a href="{journeys}">Seats sold by date</a>' in page


def test_the_list_shows_confirmed_bookings_and_the_busiest_leg(superuser_client, booked_train, owner):
    booking_create(user=owner, train_number=300, seat_count=1)

    response = superuser_client.get("/admin/trains/train/")

    row = response.content.decode().split("Alpha → Gamma")[1].split("</tr>")[0]
    assert ">2<" in row  # confirmed bookings
    assert "4/10" in row  # Alpha to Beta: 3 + 1 seats


def test_the_train_list_costs_the_same_queries_however_many_trains_and_bookings(
    superuser_client, make_train: Callable[..., Train], owner
):
    make_train(1, 10, "A", "B", "C")
    with CaptureQueriesContext(connection) as few:
        assert superuser_client.get("/admin/trains/train/").status_code == 200

    for number in range(2, 12):
        make_train(number, 10, "A", "B", "C")
        booking_create(user=owner, train_number=number, seat_count=2, source="A", destination="B")
    with CaptureQueriesContext(connection) as many:
        assert superuser_client.get("/admin/trains/train/").status_code == 200

    assert len(many) == len(few)


def test_the_admin_lists_withdrawn_trains_apart_and_shows_when_they_went(superuser_client, make_train):
    make_train(571, 4, "Alpha", "Beta")
    withdrawn = make_train(572, 4, "Alpha", "Beta")
    Train.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now(), trip_id="T572", agency_id="NS")

    listed = superuser_client.get("/admin/trains/train/", {"withdrawn_at__isempty": "0"})
    page = superuser_client.get(change_url(withdrawn))

    assert [train.train_number for train in listed.context["cl"].result_list] == [572]
    assert "T572" in page.content.decode() and "NS" in page.content.decode()
