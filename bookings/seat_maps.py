"""The seat map of a journey: a train's coaches in order, each seat with its position and whether it is free.

A seat is free on a segment when one of its free stretches covers every leg of it
(bookings.inventory); a journey not sold yet has no stretches and every seat free.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from bookings import rules
from bookings.errors import JourneyDateInvalid, TrainNotFound
from trains.errors import TravelClassUnknown
from trains.seat_positions import seat_position
from trains.selectors import train_coaches_on_day, train_on_day, train_starts_on_given


@dataclass(frozen=True)
class CoachSeats:
    """A coach and its seats, each `{"seat", "seat_number", "position", "free"}`, in seat order."""

    coach: str
    travel_class: str
    layout: str
    seats: list[dict]


@dataclass(frozen=True)
class SeatMap:
    train_number: int
    journey_date: datetime.date
    source: str
    destination: str
    coaches: list[CoachSeats]
    # Not in the answer: whether a hold on the journey had ended when the seats were read, which
    # then read its seats as taken (bookings.services.journey_seat_map_now).
    train_id: int = 0
    holds_ended: bool = False


# The stretches that cover legs from_position .. to_position - 1: "length >= legs", implied by
# the positions, bounds the scan of the index freestretch_tightest, whose condition
# "length > 0" the query states so that the planner may take it.
_SEATS_FREE = (
    "SELECT seat_number FROM bookings_freestretch"
    " WHERE train_id = %s AND journey_date = %s AND length > 0 AND length >= %s"
    " AND from_position <= %s AND to_position >= %s"
)
# Whether the journey is open, and whether a hold of it has ended. Parameters: now, train id, date.
_JOURNEY_OPEN = (
    "SELECT EXISTS (SELECT 1 FROM bookings_booking booking WHERE booking.train_id = journey.train_id"
    " AND booking.journey_date = journey.date AND booking.status = 'held' AND booking.expires_at <= %s)"
    " FROM bookings_journey journey WHERE journey.train_id = %s AND journey.date = %s"
)


def journey_seat_map(
    *,
    train_number: int,
    journey_date: datetime.date,
    source: str | None = None,
    destination: str | None = None,
    travel_class: str | None = None,
) -> SeatMap:
    """Return the seat map of train `train_number`'s journey starting on `journey_date`, on a segment.

    `source` and `destination` are station codes or names of the route (default: its ends);
    `travel_class`, when given, keeps the coaches of that class only. Raise TrainNotFound for
    a number no active train has, SegmentInvalid for a segment the route cannot serve,
    JourneyDateInvalid when the train does not start a journey on the date, and
    TravelClassUnknown for a class none of its coaches has.
    """
    on_day = train_on_day(train_number=train_number, day=journey_date)
    if on_day is None:
        raise TrainNotFound()
    train, route = on_day.train, on_day.route
    from_position, to_position = rules.segment_resolve(
        route_codes=[stop.station_code for stop in route],
        route_keys=[stop.station_key for stop in route],
        source=source,
        destination=destination,
    )
    if not train_starts_on_given(train=train, day=journey_date, exception=on_day.exception):
        raise JourneyDateInvalid.not_running(train_number=train_number, journey_date=journey_date)

    coaches = [
        (coach.coach, coach.travel_class, coach.seats, coach.layout) for coach in train_coaches_on_day(on_day)
    ]
    # Codes are stored in upper case (trains.models).
    wanted = travel_class.strip().upper() if travel_class is not None else None
    if wanted is not None:
        classes = list(dict.fromkeys(coach_class for _, coach_class, _, _ in coaches))
        if wanted not in classes:
            raise TravelClassUnknown(travel_class=travel_class, classes=classes)
    free, holds_ended = _seats_free(
        train_id=train.pk, journey_date=journey_date, from_position=from_position, to_position=to_position
    )

    shown = []
    # Seats are numbered train-wide, coach after coach (trains.seat_numbers).
    first = 1
    for code, coach_class, seats, layout in coaches:
        if wanted is None or coach_class == wanted:
            shown.append(
                CoachSeats(
                    coach=code,
                    travel_class=coach_class,
                    layout=layout,
                    seats=[
                        {
                            "seat": seat,
                            "seat_number": first + seat - 1,
                            "position": seat_position(layout=layout, seat_in_coach=seat),
                            "free": free is None or first + seat - 1 in free,
                        }
                        for seat in range(1, seats + 1)
                    ],
                )
            )
        first += seats
    return SeatMap(
        train_number=train_number,
        journey_date=journey_date,
        source=route[from_position].station_name,
        destination=route[to_position].station_name,
        coaches=shown,
        train_id=train.pk,
        holds_ended=holds_ended,
    )


def _seats_free(
    *, train_id: int, journey_date: datetime.date, from_position: int, to_position: int
) -> tuple[set[int] | None, bool]:
    """Return the seat numbers free on the journey's legs from_position .. to_position - 1, and whether a
    hold of the journey has ended (its seats are read as taken).

    None when the journey is not open (never sold): every seat is free, and it has no stretches to read.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _JOURNEY_OPEN, [connection.ops.adapt_datetimefield_value(timezone.now()), train_id, journey_date]
        )
        row = cursor.fetchone()
        if row is None:
            return None, False
        legs = to_position - from_position
        cursor.execute(_SEATS_FREE, [train_id, journey_date, legs, from_position, to_position])
        return {seat_number for (seat_number,) in cursor.fetchall()}, bool(row[0])
