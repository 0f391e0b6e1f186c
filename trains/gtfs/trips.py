"""routes.txt and trips.txt: each trip is a train, with a number and a name for the service."""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from trains.gtfs.feed import Service, run_key
from trains.gtfs.source import FeedSource
from trains.variants import RunningDates, variants_sharing_a_date

ROUTES_FILE = "routes.txt"
TRIPS_FILE = "trips.txt"
ROUTES_REQUIRED_COLUMNS = ("route_id",)
ROUTES_COLUMNS = (*ROUTES_REQUIRED_COLUMNS, "agency_id", "route_short_name", "route_long_name")
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
    agency_id: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    """A route of routes.txt: its name for the service and its agency_id ('' where none is given)."""

    name: str
    agency_id: str


def read_routes(source: FeedSource) -> dict[str, Route]:
    """Return each route by route_id, named by its route_long_name, else its route_short_name."""
    routes: dict[str, Route] = {}
    lines: dict[str, int] = {}
    for line, values in source.rows(ROUTES_FILE, ROUTES_COLUMNS):
        route_id = values["route_id"]
        if source.id_is_new(ROUTES_FILE, line, "route_id", route_id, lines.get(route_id)):
            lines[route_id] = line
            name = values["route_long_name"] or values["route_short_name"]
            routes[route_id] = Route(name, values["agency_id"])
    return routes


def read_trips(source: FeedSource, routes: dict[str, Route], services: dict[str, Service]) -> dict[str, Trip]:
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
        route = routes.get(route_id, Route("", ""))
        name = train_name(route.name, values["trip_headsign"])
        trips[trip_id] = Trip(trip_id, line, name, service_id, values["trip_short_name"], 0, route.agency_id)
    return trips


def number_trips(
    source: FeedSource, trips: dict[str, Trip], departures: Mapping[str, Sequence[int]]
) -> tuple[dict[str, Trip], dict[tuple[str, int], int]]:
    """Return the trips with their train numbers, and the number of each departure of frequencies.txt.

    A trip with departures in frequencies.txt runs as one train per departure, keyed
    (trip_id, departure); its own number stays 0.
    """
    numbers = _train_numbers([trip for trip in trips.values() if trip.trip_id not in departures])
    runs = [(trip_id, departure) for trip_id, times in departures.items() for departure in times]
    run_numbers = _run_numbers(runs, set(numbers.values()))
    # A trip left without a number has its error recorded; 0 is no train's number.
    numbered = {trip_id: replace(trip, number=numbers.get(trip_id, 0)) for trip_id, trip in trips.items()}
    return numbered, run_numbers


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


def variants_check(
    source: FeedSource, trips: Mapping[str, Trip], shifts: Mapping[str, int], services: Mapping[str, Service]
) -> None:
    """Record an error for each trip that runs on a date another trip of its number runs on.

    Trips sharing a trip_short_name number are variants of one train, which a sale tells apart by
    date. `shifts` gives the days after its service day each trip starts (1 for a trip leaving
    at 24:10:00); the dates of each service are worked out once, however many trips run it.
    """
    by_number: dict[int, list[Trip]] = {}
    for trip in trips.values():
        if trip.number and trip.trip_id in shifts:
            by_number.setdefault(trip.number, []).append(trip)
    dates: dict[tuple[str, int], RunningDates] = {}

    def start_dates(trip: Trip) -> RunningDates:
        key = (trip.service_id, shifts[trip.trip_id])
        if key not in dates:
            dates[key] = services[trip.service_id].running_dates().shifted(key[1])
        return dates[key]

    for number, variants in by_number.items():
        if len(variants) < 2:
            continue
        by_id = {trip.trip_id: trip for trip in variants}
        clashes = variants_sharing_a_date((trip.trip_id, start_dates(trip)) for trip in variants)
        for earlier, later, day in clashes:
            message = (
                f"train number {number} (trip_short_name) runs on {day.isoformat()} both as this trip "
                f"and as trip '{earlier}' on line {by_id[earlier].line}; the variants of a train "
                "run on different dates"
            )
            source.error(TRIPS_FILE, by_id[later].line, message, trip_id=later)


def _train_numbers(trips: list[Trip]) -> dict[str, int]:
    """Return each trip's train number.

    Trips with one trip_short_name number are variants of one train (variants_check keeps their
    dates apart). A hash of two trip_ids may meet, which is no fault of the feed: the trip whose
    trip_id sorts later then takes its next candidate.
    """
    numbers: dict[str, int] = {}
    taken: set[int] = set()
    derived = []
    for trip in trips:
        number = number_from_short_name(trip.short_name)
        if number is None:
            derived.append(trip)
        else:
            numbers[trip.trip_id] = number
            taken.add(number)
    for trip in sorted(derived, key=lambda trip: trip.trip_id):
        attempt = 0
        while (number := derived_number(trip.trip_id, attempt)) in taken:
            attempt += 1
        taken.add(number)
        numbers[trip.trip_id] = number
    return numbers


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
