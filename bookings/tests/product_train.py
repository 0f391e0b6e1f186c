"""The booking product's example train and the calls its tests make: holds, the waitlist, the chart.

Train 12 leaves Pune at 10:00 UTC on DAY, Nagpur at 20:00, and reaches Delhi at 06:00 the next
day, with eight 3A berths (B1) and eight SL berths (S1). Its journey on DAY is charted 240
minutes before it leaves Pune, at 06:00.
"""

import datetime

import time_machine

from bookings.tests.client_calls import AVAILABILITY_URL, BOOK_URL
from trains.coach_plans import CoachPlan
from trains.fares import FarePlan
from trains.models import Stop, Train
from trains.services import train_create

DAY = datetime.date(2026, 12, 20)
HOURS = datetime.timedelta(hours=1)
SECOND = datetime.timedelta(seconds=1)
DEPARTURE = datetime.datetime.combine(DAY, datetime.time(10, 0), tzinfo=datetime.UTC)
CHART_AT = DEPARTURE - 4 * HOURS
# Three days ahead of departure: the time the tests start at.
START = DEPARTURE - 72 * HOURS

ASHA = {"name": "Asha Rao", "age": 34}
RAVI = {"name": "Ravi Rao", "age": 36}
MEERA = {"name": "Meera Iyer", "age": 29}


def sleeper_create() -> Train:
    train = train_create(
        train_number=12,
        source="Pune",
        destination="Delhi",
        stops=["Pune", "Nagpur", "Delhi"],
        distances_km=[0, 890, 1900],
        total_seats=16,
        coaches=[CoachPlan("B1", "3A", 8, "berths-8"), CoachPlan("S1", "SL", 8, "berths-8")],
        fares=[FarePlan("3A", "1.45", "150.00"), FarePlan("SL", "0.50", "100.00")],
    )
    return sleeper_timetable_set(train)


def sleeper_timetable_set(train: Train) -> Train:
    """Give a train of the stops Pune, Nagpur and Delhi the example's times: it leaves Pune at 10:00
    UTC, Nagpur at 20:00, and reaches Delhi at 06:00 the next day."""
    train.departs_at = datetime.time(10, 0)
    train.save(update_fields=["departs_at"])
    for position, (arrival, departure) in enumerate([(None, 0), (10, 10), (20, None)]):
        Stop.objects.filter(train=train, position=position).update(
            arrival=None if arrival is None else arrival * HOURS,
            departure=None if departure is None else departure * HOURS,
        )
    return train


def at(moment: datetime.datetime):
    """Stop the clock at `moment` (a context manager)."""
    return time_machine.travel(moment, tick=False)


def book(client, **fields):
    body = {"train_number": 12, "journey_date": DAY.isoformat(), "travel_class": "3A", **fields}
    return client.post(BOOK_URL, body, format="json")


def booked(client, **fields) -> dict:
    response = book(client, **fields)
    assert response.status_code == 201, response.content
    return response.json()


def passengers(count: int) -> list[dict]:
    return [{"name": f"Passenger {number}", "age": 30 + number} for number in range(1, count + 1)]


def free_3a(client, source: str = "Pune", destination: str = "Delhi") -> int:
    """Return the 3A seats free on the segment, as the availability search says."""
    response = client.get(
        AVAILABILITY_URL,
        {"source": source, "destination": destination, "journey_date": DAY.isoformat(), "travel_class": "3A"},
    )
    assert response.status_code == 200, response.content
    (row,) = response.json()
    return row["classes"][0]["available_seats"]


def read(client, pnr: str) -> dict:
    response = client.get(f"/bookings/{pnr}/")
    assert response.status_code == 200, response.content
    return response.json()


def post(client, pnr: str, action: str, body: dict | None = None):
    return client.post(f"/bookings/{pnr}/{action}/", body or {}, format="json")
