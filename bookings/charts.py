"""A journey's chart: when it is prepared, and the seats' passengers by leg that it lists.

CHART_MINUTES_BEFORE_DEPARTURE before the train leaves its first station the journey is charted:
the bookings still waiting are cancelled with a full refund, and no new hold or place on the
waitlist is granted. It happens at the first access after that time (bookings.journey_events),
or ahead of any by ``manage.py prepare_charts``.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from bookings.models import Booking, Journey, Passenger
from trains.seat_positions import seat_position
from trains.selectors import TrainOnDay, journey_leaves_stop, stop_leaves_at, train_coaches_on_day


def journey_departs(*, journey_date: datetime.date, leaves_at: datetime.datetime | None, time_zone: str):
    """Return when a journey leaves its first station: `leaves_at`, or for a train without times 00:00
    local there on its date."""
    if leaves_at is not None:
        return leaves_at
    return datetime.datetime.combine(journey_date, datetime.time(), tzinfo=ZoneInfo(time_zone))


def chart_time(*, departs: datetime.datetime) -> datetime.datetime:
    """Return when the journey leaving its first station at `departs` is charted."""
    return departs - datetime.timedelta(minutes=settings.CHART_MINUTES_BEFORE_DEPARTURE)


def chart_time_on_day(on_day: TrainOnDay) -> datetime.datetime:
    """Return when the journey of the train read in `on_day` is charted."""
    origin = on_day.route[0]
    leaves_at = stop_leaves_at(
        departs_at=on_day.train.departs_at,
        journey_date=on_day.day,
        origin_time_zone=on_day.origin_time_zone,
        stop=origin,
    )
    return chart_time(
        departs=journey_departs(
            journey_date=on_day.day, leaves_at=leaves_at, time_zone=on_day.origin_time_zone
        )
    )


def journey_chart_time(*, train_id: int, journey_date: datetime.date) -> datetime.datetime:
    """Return when the train's journey on `journey_date` is charted, as its timetable says now."""
    _, leaves_at, time_zone = journey_leaves_stop(train_id=train_id, journey_date=journey_date, position=0)
    return chart_time(
        departs=journey_departs(journey_date=journey_date, leaves_at=leaves_at, time_zone=time_zone)
    )


@dataclass(frozen=True)
class ChartSeat:
    seat: int
    seat_number: int
    position: str
    # The passengers on the seat, by leg: {from, to, pnr, passenger_id, name, age, status}, in order.
    legs: list[dict]


@dataclass(frozen=True)
class ChartCoach:
    coach: str
    travel_class: str
    layout: str
    seats: list[ChartSeat]


@dataclass(frozen=True)
class JourneyChart:
    train_number: int
    journey_date: datetime.date
    chart_at: datetime.datetime
    # When the chart was prepared; None before.
    charted_at: datetime.datetime | None
    coaches: list[ChartCoach]
    # The bookings still waiting, by class in order: {pnr, travel_class, waitlist_position, passengers}.
    waitlist: list[dict]


def journey_chart_read(*, on_day: TrainOnDay) -> JourneyChart:
    """Return the chart of the journey of the train read in `on_day`: every seat's passengers by leg, held
    and confirmed, and the bookings still waiting. Three queries."""
    train, route = on_day.train, on_day.route
    charted_at = (
        Journey.objects.filter(train=train, date=on_day.day).values_list("charted_at", flat=True).first()
    )
    bookings = Booking.objects.filter(train=train, journey_date=on_day.day)
    on_seats: dict[int, list[dict]] = defaultdict(list)
    seated = (
        Passenger.objects.filter(
            booking__in=bookings, status__in=[Passenger.Status.HELD, Passenger.Status.CONFIRMED]
        )
        .order_by("seat_number", "booking__from_position", "booking_id", "passenger_id")
        .values_list(
            "seat_number",
            "booking__from_position",
            "booking__to_position",
            "booking__pnr",
            "passenger_id",
            "name",
            "age",
            "status",
        )
    )
    for seat_number, first, last, pnr, passenger_id, name, age, status in seated:
        on_seats[seat_number].append(
            {
                "from": route[first].station_name,
                "to": route[last].station_name,
                "pnr": pnr,
                "passenger_id": passenger_id,
                "name": name,
                "age": age,
                "status": status,
            }
        )
    positions: dict[str, int] = defaultdict(int)
    waitlist = []
    for pnr, travel_class, seat_count, seats_cancelled in (
        bookings.filter(status=Booking.Status.WAITLISTED)
        .order_by("id")
        .values_list("pnr", "travel_class", "seat_count", "seats_cancelled")
    ):
        positions[travel_class] += 1
        waitlist.append(
            {
                "pnr": pnr,
                "travel_class": travel_class,
                "waitlist_position": positions[travel_class],
                "passengers": seat_count - seats_cancelled,
            }
        )
    coaches = [
        ChartCoach(
            coach=coach.coach,
            travel_class=coach.travel_class,
            layout=coach.layout,
            seats=[
                ChartSeat(
                    seat=seat,
                    seat_number=coach.first_seat + seat - 1,
                    position=seat_position(layout=coach.layout, seat_in_coach=seat),
                    legs=on_seats.get(coach.first_seat + seat - 1, []),
                )
                for seat in range(1, coach.seats + 1)
            ],
        )
        for coach in train_coaches_on_day(on_day)
    ]
    return JourneyChart(
        train_number=train.train_number,
        journey_date=on_day.day,
        chart_at=chart_time_on_day(on_day),
        charted_at=charted_at,
        coaches=coaches,
        waitlist=waitlist,
    )
