"""Read a GTFS feed, a .zip file or a folder, into checked stations, trains and running days."""

import os
from pathlib import Path
from types import MappingProxyType

from trains.gtfs import stations as stops
from trains.gtfs import stop_times
from trains.gtfs.feed import Feed, Train
from trains.gtfs.frequencies import FREQUENCIES_FILE, read_frequencies
from trains.gtfs.frequencies import REQUIRED_COLUMNS as FREQUENCIES_REQUIRED_COLUMNS
from trains.gtfs.running_days import (
    CALENDAR_COLUMNS,
    CALENDAR_DATES_COLUMNS,
    CALENDAR_DATES_FILE,
    CALENDAR_FILE,
    read_services,
)
from trains.gtfs.source import FeedSource, ProgressCallback, open_feed
from trains.gtfs.stations import StationIndex, read_stations
from trains.gtfs.trips import (
    ROUTES_FILE,
    ROUTES_REQUIRED_COLUMNS,
    TRIPS_FILE,
    TRIPS_REQUIRED_COLUMNS,
    Trip,
    number_trips,
    read_routes,
    read_trips,
)

REQUIRED_FILES = {
    stops.STOPS_FILE: stops.REQUIRED_COLUMNS,
    ROUTES_FILE: ROUTES_REQUIRED_COLUMNS,
    TRIPS_FILE: TRIPS_REQUIRED_COLUMNS,
    stop_times.STOP_TIMES_FILE: stop_times.REQUIRED_COLUMNS,
}
# A feed needs one of them, and may have both.
CALENDAR_FILES = {CALENDAR_FILE: CALENDAR_COLUMNS, CALENDAR_DATES_FILE: CALENDAR_DATES_COLUMNS}
OPTIONAL_FILES = {FREQUENCIES_FILE: FREQUENCIES_REQUIRED_COLUMNS}


def read_feed(path: str | os.PathLike[str], *, progress: ProgressCallback | None = None) -> Feed:
    """Return the feed at `path`, a .zip file or a folder, or raise GtfsFeedInvalid listing every problem.

    `progress(done_rows, total_rows)`, when given, is called once the rows are counted, then
    every thousand rows read and at the end of each file, the last time with done = total.
    """
    with open_feed(Path(path), [*REQUIRED_FILES, *CALENDAR_FILES, *OPTIONAL_FILES]) as source:
        files = _check_files(source)
        if progress is not None:
            source.count_progress(files, progress)
        index = read_stations(source)
        services = read_services(source)
        trips = read_trips(source, read_routes(source), services)
        departures = read_frequencies(source, trips) if source.has(FREQUENCIES_FILE) else {}
        trips, run_numbers = number_trips(source, trips, departures)
        trains = _read_trains(source, trips, index, departures, run_numbers)
        source.raise_errors()
        source.progress.finish()
    return Feed(stations=tuple(index.stations.values()), trains=trains, services=MappingProxyType(services))


def _check_files(source: FeedSource) -> list[str]:
    """Return the files to read, or raise GtfsFeedInvalid if a required file or column is missing.

    Checked before any row is read, so that a feed that cannot be read fails at once.
    """
    for name, columns in REQUIRED_FILES.items():
        source.require(name, columns)
    calendars = [name for name in CALENDAR_FILES if source.has(name)]
    if not calendars:
        message = f"required file is missing, and so is {CALENDAR_DATES_FILE}; a feed needs one of them"
        source.error(CALENDAR_FILE, None, message)
    for name in calendars:
        source.require(name, CALENDAR_FILES[name])
    optional = [name for name in OPTIONAL_FILES if source.has(name)]
    for name in optional:
        source.require(name, OPTIONAL_FILES[name])
    source.raise_errors()
    return [*REQUIRED_FILES, *calendars, *optional]


def _read_trains(
    source: FeedSource,
    trips: dict[str, Trip],
    index: StationIndex,
    departures: dict[str, list[int]],
    run_numbers: dict[tuple[str, int], int],
) -> tuple[Train, ...]:
    """Return the trains of the trips, in the order of trips.txt, once stop_times.txt is read.

    A trip of frequencies.txt gives one train per departure, in their order, each with the
    calls of its stop_times (their offsets from the first departure) and a number of its own.
    """
    stop_times_by_trip, broken_trips = stop_times.read_stop_times(source, trips, index)
    trains = []
    for trip in trips.values():
        # Popped, so that each trip's rows are freed as soon as its calls are made.
        rows = stop_times_by_trip.pop(trip.trip_id, [])
        if trip.trip_id in broken_trips:
            continue
        timetable = stop_times.train_timetable(source, trip, rows)
        if timetable is None:
            continue
        first_departure, calls = timetable
        if trip.trip_id not in departures:
            trains.append(
                Train(trip.trip_id, trip.number, trip.name, trip.service_id, first_departure, calls)
            )
            continue
        for departure in departures[trip.trip_id]:
            number = run_numbers[trip.trip_id, departure]
            trains.append(Train(trip.trip_id, number, trip.name, trip.service_id, departure, calls))
    return tuple(trains)
