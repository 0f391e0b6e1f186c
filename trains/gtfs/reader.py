"""Read a GTFS feed, a .zip file or a folder, into checked stations, trains and running days."""

import os
from pathlib import Path
from types import MappingProxyType

from trains.gtfs import stations as stops
from trains.gtfs import stop_times
from trains.gtfs.feed import Feed, Train
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


def read_feed(path: str | os.PathLike[str], *, progress: ProgressCallback | None = None) -> Feed:
    """Return the feed at `path`, a .zip file or a folder, or raise GtfsFeedInvalid listing every problem.

    `progress(done_rows, total_rows)`, when given, is called once the rows are counted, then
    every thousand rows read and at the end of each file, the last time with done = total.
    """
    with open_feed(Path(path), [*REQUIRED_FILES, *CALENDAR_FILES]) as source:
        files = _check_files(source)
        if progress is not None:
            source.count_progress(files, progress)
        index = read_stations(source)
        services = read_services(source)
        trips = read_trips(source, read_routes(source), services)
        trains = _read_trains(source, trips, index)
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
    source.raise_errors()
    return [*REQUIRED_FILES, *calendars]


def _read_trains(source: FeedSource, trips: dict[str, Trip], index: StationIndex) -> tuple[Train, ...]:
    """Return a train for each trip, in the order of trips.txt, once stop_times.txt is read."""
    stop_times_by_trip, broken_trips = stop_times.read_stop_times(source, trips, index)
    trains = []
    for trip in trips.values():
        # Popped, so that each trip's rows are freed as soon as its calls are made.
        rows = stop_times_by_trip.pop(trip.trip_id, [])
        if trip.trip_id in broken_trips:
            continue
        timetable = stop_times.train_timetable(source, trip, rows)
        if timetable is not None:
            first_departure, calls = timetable
            trains.append(
                Train(trip.trip_id, trip.number, trip.name, trip.service_id, first_departure, calls)
            )
    return tuple(trains)
