"""The rules a booking must pass, as pure checks: no database, no clock, no request.

Each raises the domain error that names what is wrong; bookings.services calls them with
what it read under the journey lock.
"""

import datetime

from django.conf import settings

from bookings.errors import (
    CancellationTooLate,
    JourneyDateInvalid,
    SeatCapReached,
    SeatCountInvalid,
    SegmentInvalid,
)
from trains.models import station_key


def seat_count_check(*, seat_count: int) -> None:
    """Refuse a booking of fewer than one or more than BOOKING_MAX_SEATS seats."""
    if not 1 <= seat_count <= settings.BOOKING_MAX_SEATS:
        raise SeatCountInvalid()


def segment_resolve(*, route_keys: list[str], source: str | None, destination: str | None) -> tuple[int, int]:
    """Return the stop positions of a segment given by station names (default: the whole route).

    `route_keys` are the route's station keys (trains.models.station_key), origin first.
    """
    positions = {key: position for position, key in enumerate(route_keys)}
    from_position, to_position = 0, len(route_keys) - 1
    if source is not None:
        if station_key(source) not in positions:
            raise SegmentInvalid.source_not_on_route(source)
        from_position = positions[station_key(source)]
    if destination is not None:
        if station_key(destination) not in positions:
            raise SegmentInvalid.destination_not_on_route(destination)
        to_position = positions[station_key(destination)]
    if from_position == to_position:
        raise SegmentInvalid.same_station()
    if from_position > to_position:
        raise SegmentInvalid.wrong_order()
    return from_position, to_position


def booking_horizon_check(*, journey_date: datetime.date, today: datetime.date) -> None:
    """Refuse a journey starting more than BOOKING_HORIZON_DAYS ahead: the booking window's far end.

    Checked before anything is computed from the date, since past the horizon the calendar may end.
    """
    if journey_date > today + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS):
        raise JourneyDateInvalid.beyond_horizon(today=today)


def booking_window_check(
    *,
    train_number: int,
    journey_date: datetime.date,
    boarding_date: datetime.date,
    boards_at: datetime.datetime | None,
    starts_on_date: bool,
    today: datetime.date,
    now: datetime.datetime,
) -> None:
    """Refuse a journey boarded before today or already left, or on a day the train does not start.

    The window's far end is booking_horizon_check's, to be checked before the boarding date
    is worked out.

    `boarding_date` is the calendar date the journey leaves the passenger's boarding station,
    `boards_at` the moment it leaves, None where the timetable gives no time (then the seats
    are sold until the end of the date); `starts_on_date` whether the train starts a journey on
    `journey_date`.
    """
    if boarding_date < today:
        raise JourneyDateInvalid.past(boarding=boarding_date, today=today)
    closes = datetime.timedelta(minutes=settings.BOOKING_CLOSES_MINUTES_BEFORE_DEPARTURE)
    if boards_at is not None and now >= boards_at - closes:
        raise JourneyDateInvalid.departed(boards_at=boards_at)
    if not starts_on_date:
        raise JourneyDateInvalid.not_running(train_number=train_number, journey_date=journey_date)


def cancellation_window_check(
    *,
    boarding_date: datetime.date,
    boards_at: datetime.datetime | None,
    today: datetime.date,
    now: datetime.datetime,
) -> None:
    """Refuse to cancel a booking once its train has left the boarding station.

    Where the timetable gives no time, the train counts as gone once its boarding date is past.
    """
    if (boards_at is not None and now >= boards_at) or (boards_at is None and boarding_date < today):
        raise CancellationTooLate(boards_at=boards_at, boarding_date=boarding_date)


def seat_cap_check(*, seats_held: int, seats_held_ahead: int, seat_count: int) -> None:
    """Refuse a sale that would leave the user holding more seats than a cap allows.

    `seats_held` are on the journey, `seats_held_ahead` on every journey not yet started.
    """
    if seats_held + seat_count > settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN:
        raise SeatCapReached(scope="journey", seats_held=seats_held)
    if seats_held_ahead + seat_count > settings.BOOKING_MAX_SEATS_PER_USER:
        raise SeatCapReached(scope="all_journeys", seats_held=seats_held_ahead)
