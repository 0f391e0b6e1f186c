"""routes.txt and trips.txt: each trip is a train, with a number and a name for the service."""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from trains.gtfs.feed import Service
from trains.gtfs.source import FeedSource
from trains.gtfs.times import format_time

ROUTES_FILE = "routes.txt"
TRIPS_FILE = "trips.txt"
ROUTES_REQUIRED_COLUMNS = ("route_id",)
ROUTES_COLUMNS = (*ROUTES_REQUIRED_COLUMNS, "route_short_name", "route_long_name")
TRIPS_REQUIRED_COLUMNS = ("route_id", "service_id", "trip_id")
TRIPS_COLUMNS = (*TRIPS_REQUIRED_COLUMNS, "trip_headsign", "trip_short_name")

# The length of trains.models.Train.name.
TRAIN_NAME_MAX_LENGTH = 100
# The largest train_number every database takes (a PositiveIntegerField).
TRAIN_NUMBER_MAX = 2_147_483_647
# Numbers from trip_short_name stay below it, derived ones from it up, so that the two never meet.
DERIVED_NUMBER_FIRST = 1_000_000_000
NUMBER_DIGITS = len(str(DERIVED_NUMBER_FIRST - 1))


@dataclass(frozen=True, slots=True)
class Trip:
    """A trip of trips.txt, before its calls are read."""

    trip_id: str
    line: int
    name: str
    service_id: str
    short_name: str
    number: int = 0


def read_routes(source: FeedSource) -> dict[str, str]:
    """Return each route's name by route_id: its route_long_name, else its route_short_name."""
    names: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line, values in source.rows(ROUTES_FILE, ROUTES_COLUMNS):
        route_id = values["route_id"]
        if source.id_is_new(ROUTES_FILE, line, "route_id", route_id, lines.get(route_id)):
            lines[route_id] = line
            names[route_id] = values["route_long_name"] or values["route_short_name"]
    return names


def read_trips(source: FeedSource, routes: dict[str, str], services: dict[str, Service]) -> dict[str, Trip]:
    """Return the trips by trip_id, in file order, each with its train number and name."""
    trips: dict[str, Trip] = {}
    for line, values in source.rows(TRIPS_FILE, TRIPS_COLUMNS, trip_column="trip_id"):
        trip_id, route_id, service_id = values["trip_id"], values["route_id"], values["service_id"]
        first = trips.get(trip_id)
        # A trip_id given twice rejects both rows: which of them its stop_times belong to is unclear.
        if not source.id_is_new(
            TRIPS_FILE, line, "trip_id", trip_id, first.line if first else None, trip_id=trip_id
        ):
            continue
        if route_id not in routes:
            source.error(TRIPS_FILE, line, f"route_id '{route_id}' is not in routes.txt", trip_id=trip_id)
        if service_id not in services:
            message = f"service_id '{service_id}' is in neither calendar.txt nor calendar_dates.txt"
            source.error(TRIPS_FILE, line, message, trip_id=trip_id)
        name = train_name(routes.get(route_id, ""), values["trip_headsign"])
        trips[trip_id] = Trip(trip_id, line, name, service_id, values["trip_short_name"])
    return trips


def number_trips(
    source: FeedSource, trips: dict[str, Trip], departures: Mapping[str, Sequence[int]]
) -> tuple[dict[str, Trip], dict[tuple[str, int], int]]:
    """Return the trips with their train numbers, and the number of each departure of frequencies.txt.

    A trip with departures in frequencies.txt runs as one train per departure, keyed
    (trip_id, departure); its own number stays 0.
    """
    numbers = _train_numbers(source, [trip for trip in trips.values() if trip.trip_id not in departures])
    runs = [(trip_id, departure) for trip_id, times in departures.items() for departure in times]
    run_numbers = _run_numbers(runs, set(numbers.values()))
    # A trip left without a number has its error recorded; 0 is no train's number.
    numbered = {trip_id: replace(trip, number=numbers.get(trip_id, 0)) for trip_id, trip in trips.items()}
    return numbered, run_numbers


def run_key(trip_id: str, departure: int) -> str:
    """Return what the number of a trip's departure in frequencies.txt is derived from: "T1@08:20:00"."""
    return f"{trip_id}@{format_time(departure)}"


def train_name(route_name: str, headsign: str) -> str:
    """Return "Route (Headsign)", or whichever of the two there is, cut to the service's length."""
    name = f"{route_name} ({headsign})" if route_name and headsign else route_name or headsign
    return name[:TRAIN_NAME_MAX_LENGTH].rstrip()


def number_from_short_name(short_name: str) -> int | None:
    """Return the train number a trip_short_name of digits gives (1 to 999,999,999), else None."""
    # Its length first: Python refuses to read a number of thousands of digits.
    if not (short_name.isascii() and short_name.isdigit()) or len(short_name.lstrip("0")) > NUMBER_DIGITS:
        return None
    number = int(short_name)
    return number if 1 <= number < DERIVED_NUMBER_FIRST else None


def derived_number(trip_id: str, attempt: int = 0) -> int:
    """Return a trip's `attempt`-th candidate number (from 0): a hash of its trip_id, 1e9 or more.

    The hash, unlike a count of trips, keeps a trip's number when other trips come or go.
    """
    digest = hashlib.blake2b(f"{attempt}:{trip_id}".encode(), digest_size=8).digest()
    return DERIVED_NUMBER_FIRST + int.from_bytes(digest, "big") % (
        TRAIN_NUMBER_MAX - DERIVED_NUMBER_FIRST + 1
    )


def _train_numbers(source: FeedSource, trips: list[Trip]) -> dict[str, int]:
    """Return each trip's train number; two trips with one trip_short_name number are an error.

    A hash of two trip_ids may meet, which is no fault of the feed: the trip whose trip_id
    sorts later then takes its next candidate.
    """
    holders: dict[int, Trip] = {}
    derived = []
    for trip in trips:
        number = number_from_short_name(trip.short_name)
        if number is None:
            derived.append(trip)
        elif number in holders:
            holder = holders[number]
            message = (
                f"train number {number} (trip_short_name) is already trip '{holder.trip_id}' "
                f"on line {holder.line}"
            )
            source.error(TRIPS_FILE, trip.line, message, trip_id=trip.trip_id)
        else:
            holders[number] = trip
    for trip in sorted(derived, key=lambda trip: trip.trip_id):
        attempt = 0
        while (number := derived_number(trip.trip_id, attempt)) in holders:
            attempt += 1
        holders[number] = trip
    return {trip.trip_id: number for number, trip in holders.items()}


def _run_numbers(runs: list[tuple[str, int]], taken: set[int]) -> dict[tuple[str, int], int]:
    """Return a number for each departure of frequencies.txt, derived from its run_key, clear of `taken`.

    As with trip_ids, should two keys hash alike the one that sorts later takes its next candidate.
    """
    numbers: dict[tuple[str, int], int] = {}
    taken = set(taken)
    for run in sorted(runs, key=lambda run: run_key(*run)):
        attempt = 0
        while (number := derived_number(run_key(*run), attempt)) in taken:
            attempt += 1
        taken.add(number)
        numbers[run] = number
    return numbers
