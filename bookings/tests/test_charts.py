"""The chart (booking-product.md section 4): at its time the bookings still waiting are cancelled, once,
whether the first access or prepare_charts comes first."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from bookings import journey_events
from bookings.models import Booking, Journey
from bookings.tests.product_train import (
    ASHA,
    CHART_AT,
    DAY,
    MEERA,
    RAVI,
    SECOND,
    START,
    at,
    book,
    booked,
    passengers,
    post,
    read,
    sleeper_create,
)
from railway.tests.bodies import error_body

CHART_URL = f"/trains/12/journeys/{DAY.isoformat()}/chart/"


@pytest.fixture(autouse=True)
def sleeper(db):
    with at(START):
        yield sleeper_create()


@pytest.fixture
def waiting(booking_staff_client, owner_client):
    """3A full (Pune to Delhi), and ASHA waiting for a berth; her booking."""
    with at(START):
        booked(booking_staff_client, seat_count=8)
        return booked(owner_client, passengers=[ASHA], waitlist=True)


def test_at_its_time_the_first_access_cancels_the_waiting_bookings_with_a_full_refund(owner_client, waiting):
    with at(CHART_AT - SECOND):
        assert read(owner_client, waiting["pnr"])["status"] == "waitlisted"

    with at(CHART_AT):
        charted = read(owner_client, waiting["pnr"])

    assert (charted["status"], charted["reason"]) == ("cancelled", "not_confirmed_at_chart")
    assert charted["refunded"] == {"amount": "2755.00", "currency": "INR"}
    assert charted["passengers"][0]["refund"] == "2755.00"
    assert Journey.objects.get().charted_at == CHART_AT


def test_the_chart_cancels_once_whether_the_command_or_an_access_comes_first(owner_client, waiting):
    with at(CHART_AT + 60 * SECOND):
        call_command("prepare_charts")
        call_command("prepare_charts")
        read(owner_client, waiting["pnr"])
        post(owner_client, waiting["pnr"], "cancel")

    booking = Booking.objects.get(pnr=waiting["pnr"])
    assert (booking.status, booking.refund_total, booking.cancelled_at) == (
        "cancelled",
        Decimal("2755.00"),
        CHART_AT,
    )


def test_prepare_charts_leaves_journeys_whose_time_has_not_come(owner_client, waiting):
    with at(CHART_AT - SECOND):
        call_command("prepare_charts")

    assert Booking.objects.get(pnr=waiting["pnr"]).status == "waitlisted"
    assert Journey.objects.get().charted_at is None


def test_once_charted_a_hold_or_a_place_on_the_waitlist_is_refused_but_free_seats_are_sold(
    owner_client, other_client, waiting
):
    with at(CHART_AT):
        hold = book(other_client, passengers=[RAVI], travel_class="SL", hold=True)
        wait = book(other_client, passengers=[RAVI], waitlist=True)
        sold = book(other_client, passengers=[MEERA], travel_class="SL", waitlist=True)

    assert (hold.status_code, error_body(hold)["code"]) == (409, "journey_charted")
    assert (wait.status_code, error_body(wait)["code"]) == (409, "journey_charted")
    assert sold.json()["status"] == "confirmed"


def test_a_hold_that_ended_before_the_chart_serves_the_waitlist_though_nobody_looked_until_after(
    booking_staff_client, owner_client
):
    with at(CHART_AT - 2000 * SECOND):
        booked(booking_staff_client, seat_count=7)
        booked(booking_staff_client, passengers=passengers(1), hold=True)
        waiting = booked(owner_client, passengers=[ASHA], waitlist=True)

    # The hold ended 1,100 seconds before the chart: the berth went to the waiting booking then.
    with at(CHART_AT + 60 * SECOND):
        served = read(owner_client, waiting["pnr"])

    assert served["status"] == "confirmed"


def test_staff_who_may_view_bookings_read_every_seats_passengers_by_leg(booking_staff_client, owner_client):
    with at(START):
        asha = booked(owner_client, passengers=[ASHA], destination="Nagpur")
        ravi = booked(owner_client, passengers=[RAVI], source="Nagpur")
        booked(owner_client, passengers=[MEERA], travel_class="SL", hold=True)

        response = booking_staff_client.get(CHART_URL)

    assert response.status_code == 200, response.content
    chart = response.json()
    assert (chart["chart_at"], chart["charted_at"]) == ("2026-12-20T06:00:00Z", None)
    b1, s1 = chart["coaches"]
    assert (b1["coach"], b1["travel_class"], len(b1["seats"])) == ("B1", "3A", 8)
    assert b1["seats"][0]["legs"] == [
        {
            "from": "Pune",
            "to": "Nagpur",
            "pnr": asha["pnr"],
            "passenger_id": 1,
            "name": "Asha Rao",
            "age": 34,
            "status": "confirmed",
        },
        {
            "from": "Nagpur",
            "to": "Delhi",
            "pnr": ravi["pnr"],
            "passenger_id": 1,
            "name": "Ravi Rao",
            "age": 36,
            "status": "confirmed",
        },
    ]
    assert b1["seats"][1]["legs"] == []
    assert [leg["status"] for leg in s1["seats"][0]["legs"]] == ["held"]


def test_the_chart_lists_the_waitlist_in_order_and_charts_at_its_time(
    booking_staff_client, owner_client, waiting
):
    with at(START):
        assert booking_staff_client.get(CHART_URL).json()["waitlist"] == [
            {"pnr": waiting["pnr"], "travel_class": "3A", "waitlist_position": 1, "passengers": 1}
        ]
    with at(CHART_AT):
        chart = booking_staff_client.get(CHART_URL).json()

    assert chart["charted_at"] == "2026-12-20T06:00:00Z"
    assert chart["waitlist"] == []
    assert Booking.objects.get(pnr=waiting["pnr"]).status == "cancelled"


def test_passengers_and_staff_without_the_right_do_not_read_the_chart(owner_client, staff_client):
    assert owner_client.get(CHART_URL).status_code == 403
    assert staff_client.get(CHART_URL).status_code == 403


def test_the_chart_of_a_date_the_train_does_not_run_is_400(booking_staff_client, sleeper):
    sleeper.runs_on = 1  # Mondays only; DAY is a Sunday.
    sleeper.save(update_fields=["runs_on"])

    response = booking_staff_client.get(CHART_URL)

    assert response.status_code == 400


@pytest.fixture
def charted_by_another_request_first(sleeper, monkeypatch):
    """Make another request bring the journey to now between a read's look at the bookings and its own
    settling, which then finds nothing left to do."""
    settle_due = journey_events.journeys_settle_due

    def settle_due_after_another_request(**arguments):
        journey_events.journey_settle_now(train_id=sleeper.pk, journey_date=DAY, now=arguments["now"])
        return settle_due(**arguments)

    monkeypatch.setattr(journey_events, "journeys_settle_due", settle_due_after_another_request)


@pytest.mark.usefixtures("charted_by_another_request_first")
def test_a_booking_read_while_another_request_charts_the_journey_is_read_charted(owner_client, waiting):
    with at(CHART_AT):
        charted = read(owner_client, waiting["pnr"])

    assert (charted["status"], charted["reason"], charted["waitlist_position"]) == (
        "cancelled",
        "not_confirmed_at_chart",
        None,
    )


@pytest.mark.usefixtures("charted_by_another_request_first")
def test_bookings_listed_while_another_request_charts_the_journey_are_listed_charted(owner_client, waiting):
    with at(CHART_AT):
        response = owner_client.get(f"/user/get_booking_details/{waiting['user_id']}/")

    (charted,) = response.json()
    assert (charted["status"], charted["reason"], charted["waitlist_position"]) == (
        "cancelled",
        "not_confirmed_at_chart",
        None,
    )
