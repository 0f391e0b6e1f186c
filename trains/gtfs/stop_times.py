"""stop_times.txt: each train's calls in stop_sequence order, with their times checked and completed.

Times are seconds after midnight of the day the train runs on, and go past 24:00:00 for a
train that runs past midnight. An intermediate stop with one time only (timepoint=0 feeds)
keeps it as both its arrival and departure; one with neither gets a time spaced evenly, by
count of stops, between the departure before it and the arrival after it. Each call's distance
from the first comes from shape_dist_traveled or the stops' coordinates (trains.gtfs.distances).
"""

import itertools
import re
from decimal import Decimal
from typing import NamedTuple

from trains.gtfs.distances import (
    DISTANCE_MAX_KM,
    SHAPE_DIST_UNITS,
    distances_by_coordinates,
    distances_by_shape,
)
from trains.gtfs.feed import Call
from trains.gtfs.source import FeedSource
from trains.gtfs.stations import StationIndex
from trains.gtfs.times import format_time, parse_time
from trains.gtfs.trips import TRIPS_FILE, Trip

STOP_TIMES_FILE = "stop_times.txt"
REQUIRED_COLUMNS = ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence")
COLUMNS = (*REQUIRED_COLUMNS, "shape_dist_traveled")
# A distance along the shape: digits and a decimal part, at most 12 digits before the point.
SHAPE_DIST = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")

# GTFS gives no bound; a feed's sequences are small, and a bound keeps any number readable.
SEQUENCE_MAX = 2_147_483_647


class StopTime(NamedTuple):
    """A row of stop_times.txt, as compact as it can be: a feed may have millions."""

    sequence: int
    station: str
    arrival: int | None
    departure: int | None
    line: int
    shape_dist: Decimal | None
    # The stop's (latitude, longitude), or None.
    coordinates: tuple[float, float] | None


def read_stop_times(
    source: FeedSource, trips: dict[str, Trip], stations: StationIndex
) -> tuple[dict[str, list[StopTime]], set[str]]:
    """Return the stop times of each trip, and the trip_ids of which a row has an error."""
    stop_times: dict[str, list[StopTime]] = {}
    broken_trips: set[str] = set()
    for line, values in source.rows(STOP_TIMES_FILE, COLUMNS, trip_column="trip_id"):
        errors_before = source.error_count
        trip_id = values["trip_id"]
        if trip_id not in trips:
            source.error(STOP_TIMES_FILE, line, f"trip_id '{trip_id}' is not in trips.txt", trip_id=trip_id)
        station = _station(source, line, values["stop_id"], stations, trip_id)
        sequence = _sequence(source, line, values["stop_sequence"], trip_id)
        arrival = _time(source, line, values, "arrival_time", trip_id)
        departure = _time(source, line, values, "departure_time", trip_id)
        shape_dist = _shape_dist(source, line, values["shape_dist_traveled"], trip_id)
        if source.error_count > errors_before or station is None or sequence is None:
            broken_trips.add(trip_id)
            continue
        coordinates = stations.coordinates.get(values["stop_id"])
        stop_times.setdefault(trip_id, []).append(
            StopTime(sequence, station, arrival, departure, line, shape_dist, coordinates)
        )
    return stop_times, broken_trips


def _station(source: FeedSource, line: int, stop_id: str, stations: StationIndex, trip_id: str) -> str | None:
    """Return the code of the station a call at `stop_id` is at, or None (after an error if it is new)."""
    station = stations.station_of_stop.get(stop_id)
    if station is None and stop_id in stations.not_stops:
        message = f"stop_id '{stop_id}' is {stations.not_stops[stop_id]}, not a stop"
        source.error(STOP_TIMES_FILE, line, message, trip_id=trip_id)
    elif station is None and stop_id not in stations.unreadable:
        source.error(STOP_TIMES_FILE, line, f"stop_id '{stop_id}' is not in stops.txt", trip_id=trip_id)
    return station


def _sequence(source: FeedSource, line: int, text: str, trip_id: str) -> int | None:
    if not (text.isascii() and text.isdigit()):
        message = f"stop_sequence '{text}' is not a whole number"
    # Its length first: Python refuses to read a number of thousands of digits.
    elif len(text.lstrip("0")) > len(str(SEQUENCE_MAX)) or int(text) > SEQUENCE_MAX:
        message = f"stop_sequence '{text}' is over {SEQUENCE_MAX}"
    else:
        return int(text)
    source.error(STOP_TIMES_FILE, line, message, trip_id=trip_id)
    return None


def _shape_dist(source: FeedSource, line: int, text: str, trip_id: str) -> Decimal | None:
    """Return the row's shape_dist_traveled, or None when it is empty or (after an error) wrong."""
    if not text:
        return None
    if not SHAPE_DIST.fullmatch(text):
        message = f"shape_dist_traveled '{text}' is not a non-negative decimal number"
        source.error(STOP_TIMES_FILE, line, message, trip_id=trip_id)
        return None
    return Decimal(text)


def _time(source: FeedSource, line: int, values: dict[str, str], column: str, trip_id: str) -> int | None:
    """Return the column's time, or None when it is empty or (after an error) wrong."""
    text = values[column]
    if not text:
        return None
    seconds = parse_time(text)
    if seconds is None:
        source.error(STOP_TIMES_FILE, line, f"{column} '{text}' is not HH:MM:SS", trip_id=trip_id)
    return seconds


def train_timetable(
    source: FeedSource, trip: Trip, stop_times: list[StopTime], *, shape_dist_unit: str = "km"
) -> tuple[int, tuple[Call, ...]] | None:
    """Return the trip's first departure and its calls, or None after recording what is wrong.

    shape_dist_traveled is in `shape_dist_unit`, one of SHAPE_DIST_UNITS.
    """
    errors_before = source.error_count
    stop_times = sorted(stop_times, key=lambda stop_time: (stop_time.sequence, stop_time.line))
    _check_sequences_once(source, trip, stop_times)
    _check_stations_once(source, trip, stop_times)
    if len(stop_times) < 2:
        stops = "only 1 stop" if stop_times else "no stops"
        message = f"trip '{trip.trip_id}' has {stops} in stop_times.txt; a train needs 2 or more"
        source.error(TRIPS_FILE, trip.line, message, trip_id=trip.trip_id)
        return None
    _check_ends_are_timed(source, trip, stop_times)
    if source.error_count > errors_before:
        return None
    times = [_carried(stop_time) for stop_time in stop_times]
    _check_times_in_order(source, trip, stop_times, times)
    _check_shape_dists_rise(source, trip, stop_times)
    if source.error_count > errors_before:
        return None
    distances = _distances(source, trip, stop_times, km_per_unit=SHAPE_DIST_UNITS[shape_dist_unit])
    if source.error_count > errors_before:
        return None
    completed = _interpolated(times)
    first_departure, last_arrival = completed[0][1], completed[-1][0]
    # A train neither arrives at its origin nor leaves its destination in the service.
    completed[0], completed[-1] = (first_departure, first_departure), (last_arrival, last_arrival)
    calls = tuple(
        Call(stop_time.station, arrival - first_departure, departure - first_departure, distance)
        for stop_time, (arrival, departure), distance in zip(stop_times, completed, distances, strict=True)
    )
    return first_departure, calls


def _check_shape_dists_rise(source: FeedSource, trip: Trip, stop_times: list[StopTime]) -> None:
    """Record an error where a stop's shape_dist_traveled is less than that of the stop before with one."""
    previous: StopTime | None = None
    for stop_time in stop_times:
        if stop_time.shape_dist is None:
            continue
        if (
            previous is not None
            and previous.shape_dist is not None
            and stop_time.shape_dist < previous.shape_dist
        ):
            message = (
                f"shape_dist_traveled {stop_time.shape_dist} is less than {previous.shape_dist} on line "
                f"{previous.line}, a stop before it on trip '{trip.trip_id}'"
            )
            source.error(STOP_TIMES_FILE, stop_time.line, message, trip_id=trip.trip_id)
        previous = stop_time


def _distances(
    source: FeedSource, trip: Trip, stop_times: list[StopTime], *, km_per_unit: Decimal
) -> list[Decimal | None]:
    """Return each stop's distance from the first: by shape_dist_traveled if every stop has one, else by
    coordinates if every stop has them, else unknown; an error if the last is beyond what a stop holds."""
    shape_dists = [stop_time.shape_dist for stop_time in stop_times]
    points = [stop_time.coordinates for stop_time in stop_times]
    distances: list[Decimal | None]
    if all(value is not None for value in shape_dists):
        distances = list(distances_by_shape(shape_dists, km_per_unit=km_per_unit))  # type: ignore[arg-type]
    elif all(point is not None for point in points):
        distances = list(distances_by_coordinates(points))  # type: ignore[arg-type]
    else:
        return [None] * len(stop_times)
    last = distances[-1]
    if last is not None and last > DISTANCE_MAX_KM:
        message = (
            f"trip '{trip.trip_id}' runs {last} km; a train's stops are at most {DISTANCE_MAX_KM} km apart"
        )
        source.error(STOP_TIMES_FILE, stop_times[-1].line, message, trip_id=trip.trip_id)
    return distances


def _check_sequences_once(source: FeedSource, trip: Trip, stop_times: list[StopTime]) -> None:
    for previous, stop_time in itertools.pairwise(stop_times):
        if stop_time.sequence == previous.sequence:
            sequence = stop_time.sequence
            message = f"trip '{trip.trip_id}' has stop_sequence {sequence} already on line {previous.line}"
            source.error(STOP_TIMES_FILE, stop_time.line, message, trip_id=trip.trip_id)


def _check_stations_once(source: FeedSource, trip: Trip, stop_times: list[StopTime]) -> None:
    """Record an error for a second call at one station: the service sells seats between distinct stations."""
    lines: dict[str, int] = {}
    for stop_time in stop_times:
        if stop_time.station in lines:
            message = (
                f"trip '{trip.trip_id}' calls at station '{stop_time.station}' again (first on line "
                f"{lines[stop_time.station]}); a train calls at a station once"
            )
            source.error(STOP_TIMES_FILE, stop_time.line, message, trip_id=trip.trip_id)
        lines.setdefault(stop_time.station, stop_time.line)


def _check_ends_are_timed(source: FeedSource, trip: Trip, stop_times: list[StopTime]) -> None:
    for which, stop_time in (("first", stop_times[0]), ("last", stop_times[-1])):
        if stop_time.arrival is None or stop_time.departure is None:
            message = f"the {which} stop of trip '{trip.trip_id}' needs both arrival_time and departure_time"
            source.error(STOP_TIMES_FILE, stop_time.line, message, trip_id=trip.trip_id)


def _carried(stop_time: StopTime) -> tuple[int | None, int | None]:
    """Return the stop's arrival and departure, the one it has standing for the one it lacks."""
    arrival = stop_time.arrival if stop_time.arrival is not None else stop_time.departure
    departure = stop_time.departure if stop_time.departure is not None else stop_time.arrival
    return arrival, departure


def _check_times_in_order(
    source: FeedSource, trip: Trip, stop_times: list[StopTime], times: list[tuple[int | None, int | None]]
) -> None:
    """Record an error where a train leaves before it arrives, or arrives before it left the stop before."""
    previous: StopTime | None = None
    previous_departure = 0
    for stop_time, (arrival, departure) in zip(stop_times, times, strict=True):
        if arrival is None or departure is None:
            continue
        if previous is not None and arrival < previous_departure:
            message = (
                f"arrival_time {format_time(arrival)} is before the departure from the stop before, "
                f"{format_time(previous_departure)} on line {previous.line}"
            )
            source.error(STOP_TIMES_FILE, stop_time.line, message, trip_id=trip.trip_id)
        if departure < arrival:
            message = f"departure_time {format_time(departure)} is before arrival_time {format_time(arrival)}"
            source.error(STOP_TIMES_FILE, stop_time.line, message, trip_id=trip.trip_id)
        previous, previous_departure = stop_time, departure


def _interpolated(times: list[tuple[int | None, int | None]]) -> list[tuple[int, int]]:
    """Return the times with each run of untimed stops spaced evenly between the timed stops around it.

    The first and last stops are timed, and timed stops are in order, so the result is too.
    """
    completed: list[tuple[int, int]] = []
    untimed_run = 0
    for arrival, departure in times:
        if arrival is None or departure is None:
            untimed_run += 1
            continue
        if untimed_run:
            before, after = completed[-1][1], arrival
            for step in range(1, untimed_run + 1):
                moment = before + (after - before) * step // (untimed_run + 1)
                completed.append((moment, moment))
            untimed_run = 0
        completed.append((arrival, departure))
    return completed
