"""The train admin's side of holds, the waitlist and the chart (booking-product.md sections 3 and 4): a
journey's page lists its live holds and its waitlist in order, and links its chart, which shows every
seat's passengers by leg, coach by coach."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone

from bookings.models import Booking, Journey
from bookings.selectors import waitlist_position
from bookings.tests.product_train import (
    ASHA,
    CHART_AT,
    DAY,
    MEERA,
    RAVI,
    SECOND,
    START,
    at,
    booked,
    passengers,
)
from bookings.tests.product_train import sleeper_create as product_train_create
from trains.models import Train

TTL = 900 * SECOND


@pytest.fixture(autouse=True)
def sleeper(db) -> Train:
    with at(START):
        yield product_train_create()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def journey_url(train: Train) -> str:
    return f"/admin/trains/train/{train.pk}/journey/?date={DAY.isoformat()}"


def chart_url(train: Train, date: str = DAY.isoformat()) -> str:
    return f"/admin/trains/train/{train.pk}/chart/?date={date}"


def shown(moment) -> str:
    """Return a time as the journey and chart pages write it."""
    return formats.date_format(timezone.template_localtime(moment), "Y-m-d H:i:s e")


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def holds_of(response) -> list[tuple[str, int, str]]:
    return [(hold.pnr, hold.passengers_left, hold.expires_at) for hold in response.context["journey"].holds]


def waitlist_of(response) -> list[tuple[str, int, str, int, str]]:
    return [
        (
            waiting.booking.travel_class,
            waiting.position,
            waiting.booking.pnr,
            waiting.booking.passengers_left,
            f"{waiting.booking.source_name} → {waiting.booking.destination_name}",
        )
        for waiting in response.context["journey"].waitlist
    ]


@pytest.fixture
def full(booking_staff_client) -> None:
    """Every berth of both classes sold Pune to Delhi."""
    booked(booking_staff_client, seat_count=8)
    booked(booking_staff_client, seat_count=8, travel_class="SL")


@pytest.fixture
def train_viewer(staff) -> Client:
    """A staff member who may view trains and not bookings."""
    staff.user_permissions.add(Permission.objects.get(codename="view_train"))
    return logged_in(staff)


def test_the_journey_page_lists_the_live_holds_soonest_to_end_first(
    superuser_client, sleeper, owner_client, other_client
):
    first = booked(owner_client, passengers=[ASHA, RAVI], hold=True)
    with at(START + 60 * SECOND):
        second = booked(other_client, passengers=[MEERA], travel_class="SL", hold=True)
    booked(other_client, passengers=passengers(1))

    response = superuser_client.get(journey_url(sleeper))

    assert response.status_code == 200
    assert holds_of(response) == [
        (first["pnr"], 2, START + TTL),
        (second["pnr"], 1, START + 60 * SECOND + TTL),
    ]
    page = text_of(response)
    assert (
        f"{first['pnr']} 3A Pune → Delhi 2 1, 2 {shown(START + TTL)} {shown(START + 3600 * SECOND)}" in page
    )
    booking_url = f"/admin/bookings/booking/{Booking.objects.get(pnr=first['pnr']).pk}/change/"
    assert f'<a href="{booking_url}">{first["pnr"]}</a>' in response.content.decode()


def test_a_hold_past_its_end_is_gone_from_the_journey_page_and_its_berth_went_to_the_waitlist(
    superuser_client, sleeper, owner_client, booking_staff_client
):
    booked(booking_staff_client, seat_count=7)
    held = booked(booking_staff_client, passengers=passengers(1), hold=True)
    waiting = booked(owner_client, passengers=[ASHA], waitlist=True)
    with at(START + TTL - SECOND):
        before = superuser_client.get(journey_url(sleeper))

    with at(START + TTL):
        after = superuser_client.get(journey_url(sleeper))

    assert [pnr for pnr, _, _ in holds_of(before)] == [held["pnr"]]
    assert [row[2] for row in waitlist_of(before)] == [waiting["pnr"]]
    assert (holds_of(after), waitlist_of(after)) == ([], [])
    assert "No seat is held on this journey." in text_of(after)
    assert "No booking waits on this journey." in text_of(after)
    lapsed, served = Booking.objects.get(pnr=held["pnr"]), Booking.objects.get(pnr=waiting["pnr"])
    assert (lapsed.status, lapsed.cancel_reason, lapsed.cancelled_at) == (
        "cancelled",
        "hold_expired",
        START + TTL,
    )
    assert (served.status, served.seat_numbers) == ("confirmed", held["seat_numbers"])
    # The berth changed hands: 3A stays full on both legs.
    assert [leg.sold for leg, _ in after.context["journey"].legs] == [8, 8]


def test_the_journey_page_lists_the_waitlist_class_by_class_in_order(
    superuser_client, sleeper, full, owner_client, other_client
):
    first_3a = booked(other_client, passengers=[RAVI], waitlist=True)
    first_sl = booked(owner_client, passengers=[ASHA, MEERA], travel_class="SL", waitlist=True)
    second_3a = booked(owner_client, passengers=[ASHA], destination="Nagpur", waitlist=True)

    response = superuser_client.get(journey_url(sleeper))

    assert waitlist_of(response) == [
        ("3A", 1, first_3a["pnr"], 1, "Pune → Delhi"),
        ("3A", 2, second_3a["pnr"], 1, "Pune → Nagpur"),
        ("SL", 1, first_sl["pnr"], 2, "Pune → Delhi"),
    ]
    for waiting in response.context["journey"].waitlist:
        assert waiting.position == waitlist_position(
            booking_id=waiting.booking.pk,
            train_id=sleeper.pk,
            journey_date=DAY,
            travel_class=waiting.booking.travel_class,
        )
    assert f"3A 2 {second_3a['pnr']} 1 Pune → Nagpur" in text_of(response)


def test_a_waiting_booking_cancelled_leaves_the_waitlist_and_the_next_moves_up(
    superuser_client, sleeper, full, owner_client, other_client
):
    first = booked(other_client, passengers=[RAVI], waitlist=True)
    second = booked(owner_client, passengers=[ASHA], waitlist=True)
    other_client.post(f"/bookings/{first['pnr']}/cancel/", {}, format="json")

    response = superuser_client.get(journey_url(sleeper))

    assert waitlist_of(response) == [("3A", 1, second["pnr"], 1, "Pune → Delhi")]


def test_the_journey_page_links_the_chart(superuser_client, sleeper):
    response = superuser_client.get(journey_url(sleeper))

    assert response.context["journey"].chart_url == chart_url(sleeper)
    assert f'<a href="{chart_url(sleeper)}">The journey\'s chart</a>' in response.content.decode()


def test_the_journey_page_costs_the_same_queries_however_many_holds_and_waiting_bookings(
    superuser_client, sleeper, owner_client, other_client, booking_staff_client
):
    booked(booking_staff_client, seat_count=7)
    booked(owner_client, passengers=[ASHA], hold=True)
    booked(other_client, passengers=[RAVI], waitlist=True)
    with CaptureQueriesContext(connection) as few:
        assert superuser_client.get(journey_url(sleeper)).status_code == 200

    for party in ([ASHA], [RAVI, MEERA], [MEERA]):
        booked(other_client, passengers=party, travel_class="SL", hold=True)
    booked(owner_client, passengers=[MEERA], waitlist=True)
    with CaptureQueriesContext(connection) as many:
        assert superuser_client.get(journey_url(sleeper)).status_code == 200

    assert len(many) == len(few)


def test_staff_who_may_view_trains_and_not_bookings_see_no_holds_waitlist_or_chart(
    train_viewer, sleeper, full, owner_client
):
    waiting = booked(owner_client, passengers=[ASHA], waitlist=True)

    response = train_viewer.get(journey_url(sleeper))

    assert response.status_code == 200
    journey = response.context["journey"]
    assert (journey.holds, journey.waitlist, journey.chart_url) == (None, None, None)
    assert waiting["pnr"] not in response.content.decode()
    assert "/chart/" not in response.content.decode()


def test_the_chart_shows_every_seats_passengers_by_leg_coach_by_coach(booking_staff, sleeper, owner_client):
    asha = booked(owner_client, passengers=[ASHA], destination="Nagpur")
    ravi = booked(owner_client, passengers=[RAVI], source="Nagpur")
    meera = booked(owner_client, passengers=[MEERA], travel_class="SL", hold=True)

    # Staff who may view bookings read the chart, though not the train's own pages.
    response = logged_in(booking_staff).get(chart_url(sleeper))

    assert response.status_code == 200
    chart = response.context["chart"]
    assert [(coach.coach, coach.travel_class, len(coach.seats)) for coach in chart.coaches] == [
        ("B1", "3A", 8),
        ("S1", "SL", 8),
    ]
    page = text_of(response)
    assert f"1 lower Pune → Nagpur {asha['pnr']} 1 Asha Rao 34 confirmed" in page
    assert f"Nagpur → Delhi {ravi['pnr']} 1 Ravi Rao 36 confirmed" in page
    assert f"Pune → Delhi {meera['pnr']} 1 Meera Iyer 29 held" in page
    assert "2 middle Free on every leg" in page
    assert f"To be charted at {shown(CHART_AT)}; until then bookings may wait" in page
    assert Journey.objects.get().charted_at is None


def test_the_chart_lists_the_waitlist_and_at_its_time_charts_the_journey(
    superuser_client, sleeper, full, owner_client, other_client
):
    first = booked(owner_client, passengers=[ASHA], waitlist=True)
    second = booked(other_client, passengers=[RAVI], waitlist=True)
    before = superuser_client.get(chart_url(sleeper))

    with at(CHART_AT):
        after = superuser_client.get(chart_url(sleeper))

    assert [(row["pnr"], row["waitlist_position"]) for row in before.context["chart"].waitlist] == [
        (first["pnr"], 1),
        (second["pnr"], 2),
    ]
    assert f"3A 2 {second['pnr']} 1" in text_of(before)
    assert after.context["chart"].waitlist == []
    assert f"Charted at {shown(CHART_AT)}: no booking waits on this journey any more." in text_of(after)
    assert Journey.objects.get().charted_at == CHART_AT
    assert set(Booking.objects.filter(status="cancelled").values_list("cancel_reason", flat=True)) == {
        "not_confirmed_at_chart"
    }


def test_a_hold_past_its_end_is_off_the_chart(superuser_client, sleeper, owner_client):
    held = booked(owner_client, passengers=[ASHA], hold=True)

    with at(START + TTL):
        response = superuser_client.get(chart_url(sleeper))

    assert held["pnr"] not in response.content.decode()
    assert response.context["chart"].coaches[0].seats[0].legs == []
    assert Booking.objects.get(pnr=held["pnr"]).cancel_reason == "hold_expired"


def test_the_chart_of_a_date_the_train_does_not_run_says_so(superuser_client, sleeper):
    sleeper.runs_on = 1  # Mondays only; DAY is a Sunday.
    sleeper.save(update_fields=["runs_on"])

    response = superuser_client.get(chart_url(sleeper))

    assert response.status_code == 200
    assert response.context["chart"] is None
    assert "The train does not start a journey on this date." in text_of(response)
    assert not Journey.objects.exists()


@pytest.mark.parametrize("typed", ["2026-02-30", "soon", ""])
def test_a_bad_date_is_a_form_error_not_a_failure(superuser_client, sleeper, typed):
    response = superuser_client.get(chart_url(sleeper, typed))

    assert response.status_code == 200
    assert response.context["chart"] is None
    assert response.context["form"].errors


def test_an_unknown_train_has_no_chart(superuser_client, sleeper):
    assert superuser_client.get("/admin/trains/train/999999/chart/").status_code == 404


def test_staff_who_may_not_view_bookings_are_refused_the_chart(train_viewer, staff, sleeper, owner_client):
    held = booked(owner_client, passengers=[ASHA], hold=True)

    response = train_viewer.get(chart_url(sleeper))

    assert response.status_code == 403
    assert held["pnr"] not in response.content.decode()


def test_staff_who_may_change_bookings_but_not_view_them_are_refused_the_chart(staff, sleeper):
    staff.user_permissions.add(Permission.objects.get(codename="change_booking"))

    assert logged_in(staff).get(chart_url(sleeper)).status_code == 403


def test_a_user_who_is_not_staff_is_sent_to_the_login_page(owner, sleeper, owner_client):
    held = booked(owner_client, passengers=[ASHA], hold=True)

    for client in (logged_in(owner), Client()):
        for url in (journey_url(sleeper), chart_url(sleeper)):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/?next=")
            assert held["pnr"] not in response.content.decode()
