"""The train admin's journey view: the seats sold on each leg of a train's journey on a chosen date."""

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, Journey
from bookings.services import booking_cancel, booking_create
from trains.models import ServiceException, Station, Train
from trains.selectors import runs_on_from, train_start_dates, train_starts_on

# A Thursday; every test runs on it, at noon in the service's time zone (UTC).
TODAY = datetime.date(2026, 11, 26)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[None]:
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC)):
        yield


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def journey_url(train: Train) -> str:
    return f"/admin/trains/train/{train.pk}/journey/"


def legs_of(response) -> list[tuple[str, str, int, int]]:
    return [(leg.origin, leg.destination, leg.sold, leg.total) for leg, _ in response.context["journey"].legs]


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def train(make_train) -> Train:
    return make_train(300, 10, "Alpha", "Beta", "Gamma")


@pytest.fixture
def sold(train, owner, other_user) -> dict[str, Booking]:
    """Bookings on tomorrow's journey and the day after's, each with its own legs sold."""

    def book(user, seat_count: int, journey_date: datetime.date, source: str, destination: str) -> Booking:
        return booking_create(
            user=user,
            train_number=300,
            seat_count=seat_count,
            journey_date=journey_date,
            source=source,
            destination=destination,
        )

    return {
        "tomorrow_first_leg": book(owner, 3, day(1), "Alpha", "Beta"),
        "tomorrow_whole_route": book(other_user, 2, day(1), "Alpha", "Gamma"),
        "day_after_second_leg": book(owner, 4, day(2), "Beta", "Gamma"),
    }


def test_a_superuser_sees_the_seats_sold_on_each_leg_of_the_chosen_journey(superuser_client, train, sold):
    response = superuser_client.get(journey_url(train), {"date": "2026-11-27"})

    assert response.status_code == 200
    journey = response.context["journey"]
    assert journey.date == day(1)
    assert journey.runs
    assert journey.confirmed_bookings == 2
    assert legs_of(response) == [("Alpha", "Beta", 5, 10), ("Beta", "Gamma", 2, 10)]
    assert [percent for _, percent in journey.legs] == [50, 20]
    page = " ".join(response.content.decode().split())
    assert "Journey starting Friday 2026-11-27" in page
    assert "it leaves Alpha at 00:00 (UTC)." in page
    assert "<td>Alpha → Beta</td> <td>5/10</td>" in page
    assert '<meter min="0" max="10" value="2">20%</meter>' in page
    assert "base.css" in page  # the admin's look


def test_another_date_shows_its_own_counts(superuser_client, train, sold):
    response = superuser_client.get(journey_url(train), {"date": "2026-11-28"})

    assert legs_of(response) == [("Alpha", "Beta", 0, 10), ("Beta", "Gamma", 4, 10)]
    assert response.context["journey"].confirmed_bookings == 1


def test_a_date_with_no_journey_yet_shows_nothing_sold(superuser_client, train, sold):
    response = superuser_client.get(journey_url(train), {"date": "2026-12-10"})

    assert response.status_code == 200
    assert legs_of(response) == [("Alpha", "Beta", 0, 10), ("Beta", "Gamma", 0, 10)]
    assert response.context["journey"].confirmed_bookings == 0
    assert not Journey.objects.filter(train=train, date=day(14)).exists()


def test_without_a_date_it_shows_todays_journey(superuser_client, train, owner):
    booking_create(user=owner, train_number=300, seat_count=1, source="Beta", destination="Gamma")

    response = superuser_client.get(journey_url(train))

    assert response.context["journey"].date == TODAY
    assert legs_of(response) == [("Alpha", "Beta", 0, 10), ("Beta", "Gamma", 1, 10)]
    assert 'value="2026-11-26"' in response.content.decode()


def test_a_cancelled_booking_no_longer_counts(superuser_client, train, sold, admin_user):
    booking_cancel(booking_id=sold["tomorrow_whole_route"].pk, actor=admin_user)

    response = superuser_client.get(journey_url(train), {"date": "2026-11-27"})

    assert legs_of(response) == [("Alpha", "Beta", 3, 10), ("Beta", "Gamma", 0, 10)]
    assert response.context["journey"].confirmed_bookings == 1


def test_it_says_whether_the_train_runs_and_links_the_nearest_journeys(superuser_client, train):
    train.runs_on = runs_on_from([0, 2, 4])  # Monday, Wednesday, Friday
    train.save(update_fields=["runs_on"])
    ServiceException.objects.create(train=train, date=datetime.date(2026, 11, 30), runs=False)

    thursday = superuser_client.get(journey_url(train), {"date": "2026-11-26"})
    friday = superuser_client.get(journey_url(train), {"date": "2026-11-27"})

    assert not thursday.context["journey"].runs
    assert "does not start a journey on this date" in thursday.content.decode()
    assert thursday.context["journey"].previous == (day(-1), f"{journey_url(train)}?date=2026-11-25")
    assert thursday.context["journey"].next == (day(1), f"{journey_url(train)}?date=2026-11-27")
    assert friday.context["journey"].runs
    # Monday 30 November is cancelled: the next journey is on Wednesday.
    assert friday.context["journey"].next[0] == datetime.date(2026, 12, 2)
    assert f'href="{journey_url(train)}?date=2026-12-02"' in friday.content.decode()


def test_it_says_when_no_journey_starts_near_the_date(superuser_client, train):
    train.service_until = day(-61)
    train.save(update_fields=["service_until"])

    response = superuser_client.get(journey_url(train))

    assert (response.context["journey"].previous, response.context["journey"].next) == (None, None)
    page = response.content.decode()
    assert "No journey in the 60 days before." in page
    assert "No journey in the 60 days after." in page


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("2026-02-30", "Enter a valid date."),
        ("next friday", "Enter a valid date."),
        ("2026-11-27'--", "Enter a valid date."),
        ("99999-01-01", "Enter a valid date."),
        ("", "This field is required."),
    ],
)
def test_a_bad_date_is_a_form_error_not_a_failure(superuser_client, train, sold, typed, error):
    response = superuser_client.get(journey_url(train), {"date": typed})

    assert response.status_code == 200
    assert response.context["form"].errors == {"date": [error]}
    assert response.context["journey"] is None
    assert error in response.content.decode()


@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31"])
def test_the_first_and_last_dates_there_are_show_empty_journeys(superuser_client, train, typed):
    response = superuser_client.get(journey_url(train), {"date": typed})

    assert response.status_code == 200
    assert legs_of(response) == [("Alpha", "Beta", 0, 10), ("Beta", "Gamma", 0, 10)]


def test_the_bookings_link_lists_the_journeys_confirmed_bookings(superuser_client, train, sold, admin_user):
    booking_cancel(booking_id=sold["tomorrow_first_leg"].pk, actor=admin_user)

    journey = superuser_client.get(journey_url(train), {"date": "2026-11-27"}).context["journey"]
    listed = superuser_client.get(journey.bookings_url)

    assert listed.status_code == 200
    assert [booking.pk for booking in listed.context["cl"].result_list] == [sold["tomorrow_whole_route"].pk]


def test_the_view_costs_the_same_queries_however_many_bookings(superuser_client, train, owner, other_user):
    booking_create(user=owner, train_number=300, seat_count=1, journey_date=day(1))
    with CaptureQueriesContext(connection) as few:
        assert superuser_client.get(journey_url(train), {"date": "2026-11-27"}).status_code == 200

    for user in (owner, other_user):
        for source, destination in (("Alpha", "Beta"), ("Beta", "Gamma"), ("Alpha", "Gamma")):
            booking_create(
                user=user,
                train_number=300,
                seat_count=1,
                journey_date=day(1),
                source=source,
                destination=destination,
            )
    with CaptureQueriesContext(connection) as many:
        assert superuser_client.get(journey_url(train), {"date": "2026-11-27"}).status_code == 200

    assert len(many) == len(few)


def test_the_train_pages_link_to_the_journey_view(superuser_client, train, sold):
    listed = superuser_client.get("/admin/trains/train/").content.decode()
    changed = superuser_client.get(f"/admin/trains/train/{train.pk}/change/").content.decode()

    assert f'<a href="{journey_url(train)}">by date</a>' in listed
    assert f'<a href="{journey_url(train)}">Seats sold by date</a>' in changed
    assert (
        f'<a href="{journey_url(train)}?date=2026-11-27">Fri 2026-11-27</a>: busiest leg 5/10 sold' in changed
    )
    assert (
        f'<a href="{journey_url(train)}?date=2026-11-28">Sat 2026-11-28</a>: busiest leg 4/10 sold' in changed
    )


def test_the_train_page_reads_its_next_journeys_in_queries_that_do_not_grow_with_them(
    superuser_client, train, owner
):
    page = f"/admin/trains/train/{train.pk}/change/"
    booking_create(user=owner, train_number=300, seat_count=1, journey_date=day(1))
    with CaptureQueriesContext(connection) as one_journey_sold:
        assert superuser_client.get(page).status_code == 200

    for offset in (2, 3, 4):
        booking_create(user=owner, train_number=300, seat_count=offset, journey_date=day(offset))
    with CaptureQueriesContext(connection) as four_sold:
        changed = superuser_client.get(page).content.decode()

    assert len(four_sold) == len(one_journey_sold)
    monday = f'<a href="{journey_url(train)}?date=2026-11-30">Mon 2026-11-30</a>'
    assert f"{monday}: busiest leg 4/10 sold" in changed


def test_staff_with_the_view_permission_see_the_view_without_the_bookings_link(staff, train, sold):
    staff.user_permissions.add(Permission.objects.get(codename="view_train"))

    response = client_of(staff).get(journey_url(train), {"date": "2026-11-27"})

    assert response.status_code == 200
    assert legs_of(response) == [("Alpha", "Beta", 5, 10), ("Beta", "Gamma", 2, 10)]
    assert response.context["journey"].bookings_url is None


def test_staff_without_the_view_permission_are_refused(staff, train, sold):
    response = client_of(staff).get(journey_url(train), {"date": "2026-11-27"})

    assert response.status_code == 403


def test_a_user_who_is_not_staff_is_sent_to_the_login_page(owner, train, sold):
    signed_in = client_of(owner).get(journey_url(train), {"date": "2026-11-27"})
    anonymous = Client().get(journey_url(train), {"date": "2026-11-27"})

    for response in (signed_in, anonymous):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
        assert "5/10" not in response.content.decode()


def test_an_unknown_train_is_a_404(superuser_client, train):
    assert superuser_client.get("/admin/trains/train/999999/journey/").status_code == 404
    assert superuser_client.get("/admin/trains/train/abc/journey/").status_code == 404


def test_the_start_dates_it_links_agree_with_the_rule_the_sales_check(train):
    train.runs_on = runs_on_from([1, 3, 5])  # Tuesday, Thursday, Saturday
    train.service_from, train.service_until = day(3), day(40)
    train.save(update_fields=["runs_on", "service_from", "service_until"])
    ServiceException.objects.bulk_create(
        [
            ServiceException(train=train, date=day(0), runs=True),  # before its dates of service
            ServiceException(train=train, date=day(6), runs=True),  # a Wednesday, not one of its days
            ServiceException(train=train, date=day(9), runs=False),  # a Saturday it does not run
            ServiceException(train=train, date=day(41), runs=True),  # after its dates of service
        ]
    )
    span = [day(offset) for offset in range(-5, 50)]

    assert train_start_dates(train=train, first=span[0], last=span[-1]) == [
        date for date in span if train_starts_on(train=train, day=date)
    ]


def test_without_a_date_it_shows_todays_journey_at_the_trains_first_station(superuser_client, train):
    Station.objects.update(time_zone="Pacific/Kiritimati")

    # Noon in UTC on the 26th is 02:00 on the 27th at UTC+14.
    response = superuser_client.get(journey_url(train))

    assert response.status_code == 200
    assert response.context["journey"].date == day(1)
    assert "Today is 2026-11-27 (Pacific/Kiritimati)" in response.content.decode()
