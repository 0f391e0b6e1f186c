"""Read a GTFS feed, a .zip file or a folder, into checked stations, trains and running days."""

import os
from pathlib import Path
from types import MappingProxyType

from trains.gtfs import agency, stop_times
from trains.gtfs import stations as stops
from trains.gtfs.distances import SHAPE_DIST_UNITS
from trains.gtfs.errors import RejectedTrip
from trains.gtfs.feed import Call, Feed, Train
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
    variants_check,
)
from trains.time_zones import service_time_zone

REQUIRED_FILES = {
    stops.STOPS_FILE: stops.REQUIRED_COLUMNS,
    ROUTES_FILE: ROUTES_REQUIRED_COLUMNS,
    TRIPS_FILE: TRIPS_REQUIRED_COLUMNS,
    stop_times.STOP_TIMES_FILE: stop_times.REQUIRED_COLUMNS,
}
# A feed needs one of them, and may have both.
CALENDAR_FILES = {CALENDAR_FILE: CALENDAR_COLUMNS, CALENDAR_DATES_FILE: CALENDAR_DATES_COLUMNS}
OPTIONAL_FILES = {
    agency.AGENCY_FILE: agency.REQUIRED_COLUMNS,
    FREQUENCIES_FILE: FREQUENCIES_REQUIRED_COLUMNS,
}


def read_feed(
    path: str | os.PathLike[str], *, progress: ProgressCallback | None = None, shape_dist_unit: str = "km"
) -> Feed:
    """Return the feed at `path`, a .zip file or a folder, or raise GtfsFeedInvalid listing every problem.

    `progress(done_rows, total_rows)`, when given, is called once the rows are counted, then
    every thousand rows read and at the end of each file, the last time with done = total.
    `shape_dist_unit` is the unit of stop_times.txt's shape_dist_traveled: km, m or mi.
    """
    feed, _ = _read(Path(path), progress, skip_invalid=False, shape_dist_unit=shape_dist_unit)
    return feed


def read_feed_skipping_invalid(
    path: str | os.PathLike[str], *, progress: ProgressCallback | None = None, shape_dist_unit: str = "km"
) -> tuple[Feed, tuple[RejectedTrip, ...]]:
    """Return the feed's valid trips, and each trip left out with its problems, in the order of trips.txt.

    A trip is left out for a defect of its own: its trips.txt row, its stop_times.txt or
    frequencies.txt rows, its route_id or service_id. Any other problem (a missing file or
    column, an unreadable line, a wrong row of stops.txt, routes.txt or the calendars) still
    raises GtfsFeedInvalid, as read_feed does.
    """
    return _read(Path(path), progress, skip_invalid=True, shape_dist_unit=shape_dist_unit)


def _read(
    path: Path, progress: ProgressCallback | None, *, skip_invalid: bool, shape_dist_unit: str
) -> tuple[Feed, tuple[RejectedTrip, ...]]:
    if shape_dist_unit not in SHAPE_DIST_UNITS:
        raise ValueError(f"shape_dist_unit is one of {', '.join(SHAPE_DIST_UNITS)}, not {shape_dist_unit!r}.")
    with open_feed(path, [*REQUIRED_FILES, *CALENDAR_FILES, *OPTIONAL_FILES]) as source:
        source.skip_invalid = skip_invalid
        files = _check_files(source)
        if progress is not None:
            source.count_progress(files, progress)
        # Without agency.txt, the times are the service's own.
        time_zone = (agency.read_time_zone(source) if source.has(agency.AGENCY_FILE) else None) or (
            service_time_zone()
        )
        index = read_stations(source, time_zone=time_zone)
        services = read_services(source)
        trips = read_trips(source, read_routes(source), services)
        departures = read_frequencies(source, trips) if source.has(FREQUENCIES_FILE) else {}
        timetables = _read_timetables(source, trips, index, shape_dist_unit=shape_dist_unit)
        # Trips already rejected take no number, so that they leave theirs to the trips imported.
        kept = {trip_id: trip for trip_id, trip in trips.items() if trip_id not in source.trip_errors}
        kept_departures = {trip_id: times for trip_id, times in departures.items() if trip_id in kept}
        numbered, run_numbers = number_trips(source, kept, kept_departures)
        shifts = {trip_id: first_departure // 86_400 for trip_id, (first_departure, _) in timetables.items()}
        variants_check(source, numbered, shifts, services)
        trains = _trains(source, numbered, timetables, kept_departures, run_numbers)
        source.raise_errors()
        source.progress.finish()
        rejected = _rejected_trips(source, trips)
    feed = Feed(
        stations=tuple(index.stations.values()),
        trains=trains,
        services=MappingProxyType(services),
        time_zone=time_zone,
    )
    return feed, rejected


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


def _read_timetables(
    source: FeedSource, trips: dict[str, Trip], index: StationIndex, *, shape_dist_unit: str
) -> dict[str, tuple[int, tuple[Call, ...]]]:
    """Return each trip's first departure and calls, from stop_times.txt, for the trips without errors."""
    stop_times_by_trip, broken_trips = stop_times.read_stop_times(source, trips, index)
    timetables = {}
    for trip in trips.values():
        # Popped, so that each trip's rows are freed as soon as its calls are made.
        rows = stop_times_by_trip.pop(trip.trip_id, [])
        if trip.trip_id in broken_trips:
            continue
        timetable = stop_times.train_timetable(source, trip, rows, shape_dist_unit=shape_dist_unit)
        if timetable is not None:
            timetables[trip.trip_id] = timetable
    return timetables


def _trains(
    source: FeedSource,
    trips: dict[str, Trip],
    timetables: dict[str, tuple[int, tuple[Call, ...]]],
    departures: dict[str, list[int]],
    run_numbers: dict[tuple[str, int], int],
) -> tuple[Train, ...]:
    """Return the trains of the trips, in the order of trips.txt, leaving out the trips rejected.

    A trip of frequencies.txt gives one train per departure, in their order, each with the
    calls of its stop_times (their offsets from the first departure) and a number of its own.
    """
    trains = []
    for trip in trips.values():
        if trip.trip_id not in timetables or trip.trip_id in source.trip_errors:
            continue
        first_departure, calls = timetables[trip.trip_id]
        if trip.trip_id not in departures:
            trains.append(
                Train(
                    trip.trip_id,
                    trip.number,
                    trip.name,
                    trip.service_id,
                    first_departure,
                    calls,
                    agency_id=trip.agency_id,
                )
            )
            continue
        for departure in departures[trip.trip_id]:
            number = run_numbers[trip.trip_id, departure]
            trains.append(
                Train(
                    trip.trip_id,
                    number,
                    trip.name,
                    trip.service_id,
                    departure,
                    calls,
                    agency_id=trip.agency_id,
                    frequency_run=True,
                )
            )
    return tuple(trains)


def _rejected_trips(source: FeedSource, trips: dict[str, Trip]) -> tuple[RejectedTrip, ...]:
    """Return the trips rejected, those of trips.txt in its order, then trip_ids it lacks as first met."""
    order = {trip_id: position for position, trip_id in enumerate(source.trip_errors)}

    def place(trip_id: str) -> tuple[int, int]:
        trip = trips.get(trip_id)
        return (0, trip.line) if trip is not None else (1, order[trip_id])

    return tuple(
        RejectedTrip(
            trip_id,
            tuple(sorted(source.trip_errors[trip_id], key=lambda error: (error.file, error.line or 0))),
            source.trip_errors_suppressed.get(trip_id, 0),
        )
        for trip_id in sorted(source.trip_errors, key=place)
    )
