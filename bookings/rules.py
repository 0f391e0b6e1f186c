"""The rules a booking must pass, as pure checks: no database, no clock, no request.

Each raises the domain error that names what is wrong; bookings.services calls them with
what it read under the journey lock.
"""

import datetime

from django.conf import settings

from bookings.errors import (
    CancellationTooLate,
    JourneyDateInvalid,
    PassengerAlreadyCancelled,
    PassengerUnknown,
    SeatCapReached,
    SeatCountInvalid,
    SeatCountMismatch,
    SegmentInvalid,
)
from trains.errors import StationAmbiguous, TravelClassRequired, TravelClassUnknown
from trains.models import station_key


def seat_count_check(*, seat_count: int) -> None:
    """Refuse a booking of fewer than one or more than BOOKING_MAX_SEATS seats."""
    if not 1 <= seat_count <= settings.BOOKING_MAX_SEATS:
        raise SeatCountInvalid()


def segment_resolve(
    *, route_codes: list[str], route_keys: list[str], source: str | None, destination: str | None
) -> tuple[int, int]:
    """Return the stop positions of a segment given by station codes or names (default: the whole route).

    `route_codes` and `route_keys` are the codes and name keys (trains.models.station_key) of
    the route's stations, origin first. A station is found by code first, ignoring case, else
    by name; a name that two stations of the route have is ambiguous.
    """
    from_position, to_position = 0, len(route_keys) - 1
    if source is not None:
        from_position = _route_position(
            route_codes=route_codes, route_keys=route_keys, station=source, field="source"
        )
        if from_position is None:
            raise SegmentInvalid.source_not_on_route(source)
    if destination is not None:
        to_position = _route_position(
            route_codes=route_codes, route_keys=route_keys, station=destination, field="destination"
        )
        if to_position is None:
            raise SegmentInvalid.destination_not_on_route(destination)
    if from_position == to_position:
        raise SegmentInvalid.same_station()
    if from_position > to_position:
        raise SegmentInvalid.wrong_order()
    return from_position, to_position


def _route_position(*, route_codes: list[str], route_keys: list[str], station: str, field: str) -> int | None:
    """Return the position of the route's station with this code, else this name; None if none is on it."""
    code = station.strip().upper()
    for position, route_code in enumerate(route_codes):
        if route_code.upper() == code:
            return position
    key = station_key(station)
    named = [position for position, route_key in enumerate(route_keys) if route_key == key]
    if len(named) > 1:
        raise StationAmbiguous(name=station, codes=[route_codes[position] for position in named], field=field)
    return named[0] if named else None


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


def travel_class_resolve(*, classes: list[str], travel_class: str | None) -> str:
    """Return the class a sale is of: the one asked for, else the train's only class.

    A train of several classes needs one named (TravelClassRequired); one it has not is
    TravelClassUnknown. Both list the train's classes.
    """
    if travel_class is None:
        if len(classes) > 1:
            raise TravelClassRequired(classes=classes)
        return classes[0]
    wanted = travel_class.strip().upper()
    if wanted not in classes:
        raise TravelClassUnknown(travel_class=travel_class, classes=classes)
    return wanted


def party_size_check(*, seat_count: int | None, passengers: int | None) -> int:
    """Return how many seats a sale is for: its passengers, or `seat_count` for anonymous ones.

    With both, they must agree (SeatCountMismatch).
    """
    if passengers is None:
        assert seat_count is not None, "a sale names its passengers or counts its seats"
        return seat_count
    if seat_count is not None and seat_count != passengers:
        raise SeatCountMismatch(seat_count=seat_count, passengers=passengers)
    return passengers


def passengers_to_cancel(*, confirmed: list[int], cancelled: list[int], asked: list[int] | None) -> list[int]:
    """Return the passengers a cancellation cancels: those `asked` for, else every one still confirmed.

    Ids that are none of the booking's are PassengerUnknown; ids cancelled before are
    PassengerAlreadyCancelled, and nobody is cancelled.
    """
    if asked is None:
        return sorted(confirmed)
    unknown = sorted(set(asked) - set(confirmed) - set(cancelled))
    if unknown:
        raise PassengerUnknown(passenger_ids=unknown)
    again = sorted(set(asked) & set(cancelled))
    if again:
        raise PassengerAlreadyCancelled(passenger_ids=again)
    return sorted(set(asked))


def seat_cap_check(*, seats_held: int, seats_held_ahead: int, seat_count: int) -> None:
    """Refuse a sale that would leave the user holding more seats than a cap allows.

    `seats_held` are on the journey, `seats_held_ahead` on every journey not yet started.
    """
    if seats_held + seat_count > settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN:
        raise SeatCapReached(scope="journey", seats_held=seats_held)
    if seats_held_ahead + seat_count > settings.BOOKING_MAX_SEATS_PER_USER:
        raise SeatCapReached(scope="all_journeys", seats_held=seats_held_ahead)
