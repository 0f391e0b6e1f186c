"""Writes on the network: adding trains with their routes and timetables, and changing them while unsold."""

import datetime
import itertools
from collections.abc import Iterator
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from rest_framework import exceptions

from trains.coach_plans import CoachPlan, default_coaches
from trains.errors import CoachesInvalid, DistancesInvalid, FaresInvalid
from trains.fares import FarePlan
from trains.models import (
    Coach,
    Fare,
    Station,
    StationWord,
    Stop,
    Train,
    station_code_base,
    station_key,
    station_words,
)
from trains.selectors import RouteEntry, station_by_name, stations_with_code
from trains.time_zones import service_time_zone, time_zone_check

# The first key of the advisory locks on train numbers: a space of its own among the app's locks.
TRAIN_NUMBER_LOCK_SPACE = 15_001

# Codes tried for one new station before giving up: each step is a code another station took.
_CODE_ATTEMPTS = 1_000


def station_words_write(*, station: Station) -> None:
    """Write the words of the station's name for the station finder, in place of those it had."""
    StationWord.objects.filter(station=station).delete()
    StationWord.objects.bulk_create(
        StationWord(station=station, word=word) for word in station_words(station.name)
    )


def station_code_candidates(name: str) -> Iterator[str]:
    """Yield the codes a new station named `name` may take, in order: its base code, then numbered from 2."""
    base = station_code_base(name)
    yield base
    for number in range(2, _CODE_ATTEMPTS + 1):
        yield f"{base}{number}"


def station_code_free(*, name: str) -> str:
    """Return the first of the name's code candidates that no station has now."""
    for candidate in station_code_candidates(name):
        if not stations_with_code(code=candidate).exists():
            return candidate
    raise RuntimeError(f"No free code for a station named {name!r}.")


def station_create(*, name: str, code: str, time_zone: str | None = None) -> Station:
    """Create a station with its words for the station finder, in `time_zone` (by default TIME_ZONE)."""
    station = Station.objects.create(name=name, code=code, time_zone=time_zone or service_time_zone())
    station_words_write(station=station)
    return station


def station_rename(*, station: Station, name: str) -> Station:
    """Give the station a new name (its code stays), with the new name's words."""
    station.name = name
    station.save(update_fields=["name", "key"])
    station_words_write(station=station)
    return station


def station_for_name(*, name: str, time_zone: str | None = None) -> Station:
    """Return the station named `name` (compared by station_key), creating it in `time_zone` if none is.

    Raise StationAmbiguous when several stations have the name. Two requests naming one new
    station create it once: both try the same first free code, the unique index on codes lets
    one in, and the other, refused, finds the station by name before trying another code.
    """
    station = station_by_name(name=name)
    if station is not None:
        return station
    for candidate in station_code_candidates(name):
        if stations_with_code(code=candidate).exists():
            continue
        try:
            with transaction.atomic():
                return station_create(name=name, code=candidate, time_zone=time_zone)
        except IntegrityError:
            station = station_by_name(name=name)
            if station is not None:
                return station
    raise RuntimeError(f"No free code for a station named {name!r}.")


def route_stations(*, route: list[RouteEntry], time_zone: str | None = None) -> list[Station]:
    """Return the route's stations, a name standing for the station station_for_name gives (new
    ones in `time_zone`)."""
    return [
        entry if isinstance(entry, Station) else station_for_name(name=entry, time_zone=time_zone)
        for entry in route
    ]


def _route_entry_identity(entry: RouteEntry) -> tuple[str, object]:
    return ("station", entry.pk) if isinstance(entry, Station) else ("name", station_key(entry))


def route_entries_validate(*, route: list[RouteEntry]) -> None:
    """Raise a ValidationError unless the route has 2 to MAX_STOPS stops, each at a distinct station."""
    key_max_length = Station._meta.get_field("key").max_length
    if len(route) >= 2 and _route_entry_identity(route[0]) == _route_entry_identity(route[-1]):
        raise exceptions.ValidationError({"stops": ["Destination must differ from source."]})
    errors: list[str] = []
    if len(route) < 2:
        errors.append("A route needs at least its source and destination.")
    if len(route) > Train.MAX_STOPS:
        errors.append(f"A route has at most {Train.MAX_STOPS} stops.")
    seen: set[tuple[str, object]] = set()
    for entry in route:
        identity = _route_entry_identity(entry)
        if isinstance(entry, Station):
            label = f"{entry.name} ({entry.code})"
        else:
            if len(station_key(entry)) > key_max_length:
                errors.append("Station name is too long.")
            label = entry.strip()
        if identity in seen:
            errors.append(f"Station '{label}' appears more than once.")
        seen.add(identity)
    if errors:
        raise exceptions.ValidationError({"stops": errors})


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


def coaches_total_check(*, coaches: list[CoachPlan], total_seats: int) -> list[CoachPlan]:
    """Return the coaches, codes in upper case, or raise CoachesInvalid unless a train of
    `total_seats` seats may have them: at most MAX_COACHES, each code once, seats adding up to
    `total_seats`."""
    coaches = [
        CoachPlan(
            coach=coach.coach.upper(),
            travel_class=coach.travel_class.upper(),
            seats=coach.seats,
            layout=coach.layout,
        )
        for coach in coaches
    ]
    if not 1 <= len(coaches) <= Train.MAX_COACHES:
        raise CoachesInvalid(f"A train has 1 to {Train.MAX_COACHES} coaches.", code="coach_count")
    seen: set[str] = set()
    for coach in coaches:
        if coach.coach in seen:
            raise CoachesInvalid(f"Coach {coach.coach} comes more than once.", code="duplicate_coach")
        seen.add(coach.coach)
    seats = sum(coach.seats for coach in coaches)
    if seats != total_seats:
        raise CoachesInvalid(
            f"The coaches have {seats} seats, but total_seats is {total_seats}.",
            code="seats_mismatch",
            field="total_seats",
        )
    return coaches


def coaches_resized(*, coaches: list[CoachPlan], total_seats: int) -> list[CoachPlan]:
    """Return the coaches a train with `coaches` has once it has `total_seats` seats, coaches unnamed.

    A train whose coaches are the default ones (default_coaches), or that has none, gets the
    default coaches of its new seat count; any other keeps its coaches, which must then hold
    exactly `total_seats` seats (coaches_total_check): its seats change with its coaches.
    """
    if not coaches or coaches == default_coaches(total_seats=sum(coach.seats for coach in coaches)):
        return default_coaches(total_seats=total_seats)
    return coaches_total_check(coaches=coaches, total_seats=total_seats)


def train_coach_plans(*, train: Train) -> list[CoachPlan]:
    """Return the train's stored coaches, in order, as plans."""
    return [
        CoachPlan(coach=coach.coach, travel_class=coach.travel_class, seats=coach.seats, layout=coach.layout)
        for coach in Coach.objects.filter(train=train).order_by("position")
    ]


def train_fare_plans(*, train: Train) -> list[FarePlan]:
    """Return the train's stored fares, by class, as plans."""
    return [
        FarePlan(travel_class=fare.travel_class, per_km=fare.per_km, minimum=fare.minimum)
        for fare in Fare.objects.filter(train=train).order_by("travel_class")
    ]


def train_seating_set(
    *,
    train: Train,
    total_seats: int,
    coaches: list[CoachPlan] | None = None,
    fares: list[FarePlan] | None = None,
) -> None:
    """Give the train `coaches` (None: resized from those it has) and `fares` (None: those it has).

    The one rule of a train's seats and coaches: the coaches hold exactly `total_seats` seats
    (coaches_total_check), and every fare is of a class some coach has (fares_check). The
    caller writes `total_seats` itself; for a train that may be on sale, under its lock
    (bookings.network_changes.train_update).
    """
    current = train_coach_plans(train=train)
    if coaches is None:
        coaches = coaches_resized(coaches=current, total_seats=total_seats)
    coaches = coaches_total_check(coaches=coaches, total_seats=total_seats)
    current_fares = train_fare_plans(train=train)
    fares = fares_check(fares=current_fares if fares is None else fares, coaches=coaches)
    if coaches != current:
        train_coaches_replace(train=train, coaches=coaches)
    if fares != current_fares:
        train_fares_replace(train=train, fares=fares)


def fares_check(*, fares: list[FarePlan], coaches: list[CoachPlan]) -> list[FarePlan]:
    """Return the fares, classes in upper case, or raise FaresInvalid unless each prices once a
    class some coach has."""
    classes = {coach.travel_class.upper() for coach in coaches}
    seen: set[str] = set()
    checked = []
    for fare in fares:
        travel_class = fare.travel_class.upper()
        if travel_class in seen:
            raise FaresInvalid(f"Class {travel_class} has more than one fare.", code="duplicate_fare")
        if travel_class not in classes:
            raise FaresInvalid(f"No coach is of class {travel_class}.", code="fare_without_coach")
        seen.add(travel_class)
        checked.append(FarePlan(travel_class=travel_class, per_km=fare.per_km, minimum=fare.minimum))
    return checked


def stop_distances_check(*, distances_km: list[Decimal | None]) -> None:
    """Raise DistancesInvalid unless the distances (None: unknown) start at 0 and never go back."""
    if distances_km and distances_km[0] not in (None, Decimal(0)):
        raise DistancesInvalid(
            "The first stop is 0 km from the train's first station.", code="first_stop_distance"
        )
    known = [distance for distance in distances_km if distance is not None]
    if any(later < earlier for earlier, later in itertools.pairwise(known)):
        raise DistancesInvalid("Distances along the route never decrease.", code="distance_decreases")


def train_coaches_replace(*, train: Train, coaches: list[CoachPlan]) -> list[Coach]:
    """Give the train `coaches`, in order, in place of those it had.

    The caller checks them against the train's seats (coaches_total_check) and, for a train
    that may be on sale, holds its lock (bookings.network_changes).
    """
    # Delete then insert, since moving coaches one by one would collide on coach_unique_position.
    Coach.objects.filter(train=train).delete()
    return Coach.objects.bulk_create(
        Coach(
            train=train,
            position=position,
            coach=coach.coach,
            travel_class=coach.travel_class,
            seats=coach.seats,
            layout=coach.layout,
        )
        for position, coach in enumerate(coaches)
    )


def train_fares_replace(*, train: Train, fares: list[FarePlan]) -> list[Fare]:
    """Give the train `fares` in place of those it had (checked by fares_check)."""
    Fare.objects.filter(train=train).delete()
    return Fare.objects.bulk_create(
        Fare(train=train, travel_class=fare.travel_class, per_km=fare.per_km, minimum=fare.minimum)
        for fare in fares
    )


def train_create(
    *,
    train_number: int,
    source: str,
    destination: str,
    total_seats: int,
    name: str = "",
    stops: list[str] | None = None,
    distances_km: list[Decimal | None] | None = None,
    time_zone: str | None = None,
    coaches: list[CoachPlan] | None = None,
    fares: list[FarePlan] | None = None,
) -> Train:
    """Create a train with its ordered stops, coaches and fares in one transaction.

    `distances_km` gives each of `stops` its distance from the first. Without `coaches`, the
    train's seats are in general-class coaches (trains.coach_plans.default_coaches). The
    stations it creates are in `time_zone` (an IANA name), by default the service's TIME_ZONE.
    """
    if time_zone is not None:
        time_zone_check(time_zone)
    route = route_validate(source=source, destination=destination, stops=stops)
    distances = distances_km if distances_km is not None and stops is not None else [None] * len(route)
    stop_distances_check(distances_km=distances)
    coaches = coaches_total_check(
        coaches=default_coaches(total_seats=total_seats) if coaches is None else coaches,
        total_seats=total_seats,
    )
    fares = fares_check(fares=fares or [], coaches=coaches)
    with transaction.atomic():
        train_number_lock(train_number=train_number)
        if Train.objects.filter(train_number=train_number, withdrawn_at__isnull=True).exists():
            raise exceptions.ValidationError({"train_number": ["A train with this number already exists."]})
        train = Train.objects.create(train_number=train_number, name=name.strip(), total_seats=total_seats)
        stations = route_stations(route=list(route), time_zone=time_zone)
        Stop.objects.bulk_create(
            Stop(train=train, station=station, position=position, distance_km=distance)
            for position, (station, distance) in enumerate(zip(stations, distances, strict=True))
        )
        train_seating_set(train=train, total_seats=total_seats, coaches=coaches, fares=fares)
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


def route_from_stops(*, stops: list[tuple[int, RouteEntry]]) -> list[RouteEntry]:
    """Return the route given as (position, station or station name) pairs, or raise a ValidationError.

    Positions must run 0, 1, 2, ... without gaps; the stations must pass `route_entries_validate`.
    """
    if sorted(position for position, _ in stops) != list(range(len(stops))):
        raise exceptions.ValidationError({"stops": ["Stop positions must run 0, 1, 2, ... without gaps."]})
    route = [entry for _, entry in sorted(stops, key=lambda stop: stop[0])]
    route_entries_validate(route=route)
    return route


def train_route_replace(
    *, train: Train, stops: list[RouteEntry], times: list["StopTimes"] | None = None
) -> list[Stop]:
    """Replace the train's stops with `stops` (stations, or names for station_for_name; origin first).

    `times` gives each stop's (arrival, departure) offsets. Return the new stops, or an empty
    list when the route was already this one (its times then updated in place). A train that
    may be on sale changes through the bookings app's network_changes.py, which locks it and
    checks that no booking rides the old route first.
    """
    route_entries_validate(route=stops)
    times = times or [(None, None)] * len(stops)
    stop_times_validate(times=times)
    with transaction.atomic():
        stations = route_stations(route=stops)
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
