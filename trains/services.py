"""Writes on the network: adding trains with their routes and timetables, and changing them while unsold."""

import datetime

from django.db import IntegrityError, connection, transaction
from rest_framework import exceptions

from trains.models import Station, Stop, Train, station_key
from trains.time_zones import service_time_zone, time_zone_check

# The first key of the advisory locks on train numbers: a space of its own among the app's locks.
TRAIN_NUMBER_LOCK_SPACE = 15_001


def station_get_or_create(*, name: str, time_zone: str | None = None) -> Station:
    """Return the station with this name in any case and spacing, creating it if it is new.

    A new station is in `time_zone`, by default the service's TIME_ZONE; a station that exists
    keeps its own.
    """
    key = station_key(name)
    station = Station.objects.filter(key=key).first()
    if station is not None:
        return station
    try:
        with transaction.atomic():
            return Station.objects.create(name=name, time_zone=time_zone or service_time_zone())
    except IntegrityError:
        # Another request created it meanwhile.
        return Station.objects.get(key=key)


def route_validate(*, source: str, destination: str, stops: list[str] | None) -> list[str]:
    """Return the route as trimmed station names, or raise a field-keyed ValidationError."""
    source, destination = source.strip(), destination.strip()
    # Case folding can lengthen a name ("ß" -> "ss"); a key past its column is a DataError on PostgreSQL.
    key_max_length = Station._meta.get_field("key").max_length
    too_long = {
        field: ["Station name is too long."]
        for field, names in (("source", [source]), ("destination", [destination]), ("stops", stops or []))
        if any(len(station_key(name)) > key_max_length for name in names)
    }
    if too_long:
        raise exceptions.ValidationError(too_long)
    if station_key(source) == station_key(destination):
        raise exceptions.ValidationError({"destination": ["Destination must differ from source."]})
    if stops is None:
        return [source, destination]
    route = [name.strip() for name in stops]
    errors: list[str] = []
    if len(route) < 2:
        errors.append("A route needs at least its source and destination.")
    elif station_key(route[0]) != station_key(source) or station_key(route[-1]) != station_key(destination):
        errors.append("The first stop must be the source and the last the destination.")
    if len(route) > Train.MAX_STOPS:
        errors.append(f"A route has at most {Train.MAX_STOPS} stops.")
    seen: set[str] = set()
    for name in route:
        if station_key(name) in seen:
            errors.append(f"Station '{name}' appears more than once.")
        seen.add(station_key(name))
    if errors:
        raise exceptions.ValidationError({"stops": errors})
    return [source, *route[1:-1], destination]


def train_create(
    *,
    train_number: int,
    source: str,
    destination: str,
    total_seats: int,
    name: str = "",
    stops: list[str] | None = None,
    time_zone: str | None = None,
) -> Train:
    """Create a train and its ordered stops in one transaction.

    The stations it creates are in `time_zone` (an IANA name), by default the service's TIME_ZONE.
    """
    if time_zone is not None:
        time_zone_check(time_zone)
    route = route_validate(source=source, destination=destination, stops=stops)
    with transaction.atomic():
        train_number_lock(train_number=train_number)
        if Train.objects.filter(train_number=train_number, withdrawn_at__isnull=True).exists():
            raise exceptions.ValidationError({"train_number": ["A train with this number already exists."]})
        train = Train.objects.create(train_number=train_number, name=name.strip(), total_seats=total_seats)
        Stop.objects.bulk_create(
            Stop(train=train, station=station_get_or_create(name=station_name, time_zone=time_zone), position=position)
            for position, station_name in enumerate(route)
        )
    return train


def train_number_lock(*, train_number: int) -> None:
    """Hold off, until the transaction ends, anyone else adding a train numbered `train_number`.

    The number is no longer unique in the database (a number covers its timetable variants), so
    the check that no active train has it and the insert run under this lock: a PostgreSQL
    advisory lock, the number its key. SQLite's one writer at a time needs none.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TRAIN_NUMBER_LOCK_SPACE, train_number])


def route_from_stops(*, stops: list[tuple[int, str]]) -> list[str]:
    """Return the route given as (position, station name) pairs, or raise a ValidationError.

    Positions must run 0, 1, 2, ... without gaps; the names must pass `route_validate`.
    """
    if sorted(position for position, _ in stops) != list(range(len(stops))):
        raise exceptions.ValidationError({"stops": ["Stop positions must run 0, 1, 2, ... without gaps."]})
    if len(stops) < 2:
        raise exceptions.ValidationError({"stops": ["A route needs at least its source and destination."]})
    route = [name for _, name in sorted(stops)]
    return route_validate(source=route[0], destination=route[-1], stops=route)


def train_route_replace(
    *, train: Train, stops: list[str], times: list["StopTimes"] | None = None
) -> list[Stop]:
    """Replace the train's stops with `stops` (station names, origin first).

    `times` gives each stop's (arrival, departure) offsets. Return the new stops, or an empty
    list when the route was already this one (its times then updated in place). A train that
    may be on sale changes through the bookings app's network_changes.py, which locks it and
    checks that no booking rides the old route first.
    """
    route = route_validate(source=stops[0], destination=stops[-1], stops=stops)
    times = times or [(None, None)] * len(route)
    stop_times_validate(times=times)
    with transaction.atomic():
        stations = [station_get_or_create(name=name) for name in route]
        current = list(Stop.objects.filter(train=train).order_by("position"))
        if [stop.station_id for stop in current] == [station.pk for station in stations]:
            for stop, (arrival, departure) in zip(current, times, strict=True):
                stop.arrival, stop.departure = arrival, departure
            Stop.objects.bulk_update(current, ["arrival", "departure"])
            return []
        # Delete then insert, since moving stops one by one would collide on stop_unique_position.
        Stop.objects.filter(train=train).delete()
        return Stop.objects.bulk_create(
            Stop(train=train, station=station, position=position, arrival=arrival, departure=departure)
            for position, (station, (arrival, departure)) in enumerate(zip(stations, times, strict=True))
        )


StopTimes = tuple[datetime.timedelta | None, datetime.timedelta | None]


def stop_times_validate(*, times: list[StopTimes]) -> None:
    """Raise a ValidationError unless the stops' (arrival, departure) offsets follow the route in order.

    A route either has no times at all or the origin's departure, the terminus's arrival and
    at least one time at every stop between. The origin departs at 0 (the journey's start,
    `Train.departs_at`), each stop arrives no earlier than it departs from the one before,
    and departs no earlier than it arrives.
    """
    if all(arrival is None and departure is None for arrival, departure in times):
        return
    errors: list[str] = []
    if times[0][1] != datetime.timedelta(0):
        errors.append("The first stop departs at 0:00, the journey's start.")
    if times[-1][0] is None:
        errors.append("The last stop needs an arrival time.")
    previous = datetime.timedelta(0)
    for position, (arrival, departure) in enumerate(times):
        if arrival is None and departure is None:
            errors.append(f"Stop {position} needs an arrival or a departure time.")
            continue
        for moment in (arrival, departure):
            if moment is None:
                continue
            if moment < previous:
                errors.append(f"Stop {position}'s times go back before the stop before it.")
                break
            previous = moment
    if errors:
        raise exceptions.ValidationError({"stops": errors})
