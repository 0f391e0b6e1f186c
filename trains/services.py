"""Writes on the network: adding trains with their routes."""

from django.db import IntegrityError, transaction
from rest_framework import exceptions

from trains.models import Station, Stop, Train, station_key


def station_get_or_create(*, name: str) -> Station:
    """Return the station with this name in any case and spacing, creating it if it is new."""
    key = station_key(name)
    station = Station.objects.filter(key=key).first()
    if station is not None:
        return station
    try:
        with transaction.atomic():
            return Station.objects.create(name=name)
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
) -> Train:
    """Create a train and its ordered stops in one transaction."""
    route = route_validate(source=source, destination=destination, stops=stops)
    if Train.objects.filter(train_number=train_number).exists():
        raise exceptions.ValidationError({"train_number": ["A train with this number already exists."]})
    try:
        with transaction.atomic():
            train = Train.objects.create(
                train_number=train_number, name=name.strip(), total_seats=total_seats
            )
            Stop.objects.bulk_create(
                Stop(train=train, station=station_get_or_create(name=station_name), position=position)
                for position, station_name in enumerate(route)
            )
    except IntegrityError:
        raise exceptions.ValidationError(
            {"train_number": ["A train with this number already exists."]}
        ) from None
    return train
