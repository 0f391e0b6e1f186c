"""stops.txt: the stations trains call at, and the station each stop_id stands for.

A station is a stop_id: its code in the service. A platform (a stop with a parent_station)
stands for its parent station; stops of one name are distinct stations all the same.
A stop's coordinates (stop_lat, stop_lon) are its own, else its parent station's.
"""

import re
from dataclasses import dataclass, field

from trains.gtfs.feed import Station
from trains.gtfs.source import FeedSource
from trains.station_names import station_key
from trains.time_zones import is_time_zone

STOPS_FILE = "stops.txt"
REQUIRED_COLUMNS = ("stop_id", "stop_name")
COLUMNS = (*REQUIRED_COLUMNS, "location_type", "parent_station", "stop_timezone", "stop_lat", "stop_lon")
# A coordinate in decimal degrees: a sign, digits, a decimal part; no exponent, no NaN.
DEGREES = re.compile(r"[-+]?[0-9]{1,3}(\.[0-9]{1,20})?")

STOP, STATION = "0", "1"
# Parts of a station's building, which trains do not call at.
NOT_STOPS = {"2": "an entrance or exit", "3": "a generic node", "4": "a boarding area"}
# The lengths of trains.models.Station's name, key and code.
STATION_NAME_MAX_LENGTH = 100
STATION_KEY_MAX_LENGTH = 200
STATION_CODE_MAX_LENGTH = 64


@dataclass(frozen=True, slots=True)
class StopRow:
    line: int
    stop_id: str
    name: str
    location_type: str
    parent_station: str
    # Its stop_timezone, else the agencies'.
    time_zone: str
    # (stop_lat, stop_lon) in degrees, or None where it has none.
    coordinates: tuple[float, float] | None


@dataclass
class StationIndex:
    """The stations of stops.txt, and what each stop_id stands for."""

    stations: dict[str, Station] = field(default_factory=dict)  # by code, its stop_id
    station_of_stop: dict[str, str] = field(default_factory=dict)  # stop_id -> station code
    not_stops: dict[str, str] = field(default_factory=dict)  # stop_id -> what it is instead
    # stop_ids whose rows had errors: references to them would only repeat those errors.
    unreadable: set[str] = field(default_factory=set)
    # The line of each station's row by its code in upper case: the service's codes ignore case.
    code_lines: dict[str, int] = field(default_factory=dict)
    # (latitude, longitude) of each stop_id that has them, its own or its parent station's.
    coordinates: dict[str, tuple[float, float]] = field(default_factory=dict)

    def add_station(self, name: str, stop_id: str, time_zone: str) -> None:
        """Record `stop_id` as a station named `name`, with `stop_id` for its code, in `time_zone`."""
        self.stations[stop_id] = Station(code=stop_id, name=name, stop_ids=(stop_id,), time_zone=time_zone)
        self.station_of_stop[stop_id] = stop_id

    def add_platform(self, stop_id: str, code: str) -> None:
        """Record `stop_id` as a platform of the station `code`."""
        station = self.stations[code]
        self.stations[code] = Station(
            code=code, name=station.name, stop_ids=(*station.stop_ids, stop_id), time_zone=station.time_zone
        )
        self.station_of_stop[stop_id] = code


def read_stations(source: FeedSource, *, time_zone: str) -> StationIndex:
    """Return the stations of stops.txt and the station each stop and platform stands for.

    A station without a stop_timezone is in `time_zone`, the agencies'. A platform stands for its
    parent station, in the station's time zone whatever its own says, as GTFS has it.
    """
    index = StationIndex()
    rows = _read_stop_rows(source, index, time_zone)
    for row in rows.values():
        if row.stop_id in index.unreadable:
            continue
        if row.location_type in NOT_STOPS:
            index.not_stops[row.stop_id] = NOT_STOPS[row.location_type]
        elif row.location_type == STATION or not row.parent_station:
            _add_station(source, index, row)
    for row in rows.values():
        if row.location_type == STOP and row.parent_station:
            _add_platform(source, index, row, rows)
    return index


def _read_stop_rows(source: FeedSource, index: StationIndex, time_zone: str) -> dict[str, StopRow]:
    rows: dict[str, StopRow] = {}
    for line, values in source.rows(STOPS_FILE, COLUMNS):
        row = StopRow(
            line=line,
            stop_id=values["stop_id"],
            name=values["stop_name"],
            location_type=values["location_type"] or STOP,
            parent_station=values["parent_station"],
            time_zone=values["stop_timezone"] or time_zone,
            coordinates=_coordinates(source, line, values["stop_lat"], values["stop_lon"]),
        )
        first = rows.get(row.stop_id)
        if not source.id_is_new(STOPS_FILE, line, "stop_id", row.stop_id, first.line if first else None):
            continue
        if row.coordinates is not None:
            index.coordinates[row.stop_id] = row.coordinates
        if row.location_type not in (STOP, STATION, *NOT_STOPS):
            source.error(STOPS_FILE, line, f"location_type '{row.location_type}' is not 0, 1, 2, 3 or 4")
            index.unreadable.add(row.stop_id)
        elif not is_time_zone(row.time_zone):
            source.error(STOPS_FILE, line, f"stop_timezone '{row.time_zone}' is not an IANA time zone")
            index.unreadable.add(row.stop_id)
        rows[row.stop_id] = row
    return rows


def _coordinates(source: FeedSource, line: int, lat: str, lon: str) -> tuple[float, float] | None:
    """Return the row's (latitude, longitude), or None when it has neither or (after an error) a wrong one."""
    if not lat and not lon:
        return None
    for column, text, bound in (("stop_lat", lat, 90), ("stop_lon", lon, 180)):
        if not text:
            other = "stop_lon" if column == "stop_lat" else "stop_lat"
            source.error(STOPS_FILE, line, f"{column} is empty but {other} is given; give both or neither")
            return None
        if not DEGREES.fullmatch(text) or not -bound <= float(text) <= bound:
            source.error(
                STOPS_FILE, line, f"{column} '{text}' is not a number of degrees from -{bound} to {bound}"
            )
            return None
    return float(lat), float(lon)


def _add_station(source: FeedSource, index: StationIndex, row: StopRow) -> None:
    same_code = index.code_lines.get(row.stop_id.upper())
    if not row.name:
        source.error(STOPS_FILE, row.line, f"stop_name of '{row.stop_id}' is empty")
    elif len(row.name) > STATION_NAME_MAX_LENGTH or len(station_key(row.name)) > STATION_KEY_MAX_LENGTH:
        source.error(STOPS_FILE, row.line, f"stop_name is longer than {STATION_NAME_MAX_LENGTH} characters")
    elif len(row.stop_id) > STATION_CODE_MAX_LENGTH:
        source.error(
            STOPS_FILE,
            row.line,
            f"stop_id of station '{row.name}' is longer than {STATION_CODE_MAX_LENGTH} characters, "
            "the longest station code",
        )
    elif same_code is not None:
        source.error(
            STOPS_FILE,
            row.line,
            f"stop_id '{row.stop_id}' differs from the station on line {same_code} only in case; "
            "station codes ignore case",
        )
    else:
        index.code_lines[row.stop_id.upper()] = row.line
        index.add_station(row.name, row.stop_id, row.time_zone)
        return
    index.unreadable.add(row.stop_id)


def _add_platform(source: FeedSource, index: StationIndex, row: StopRow, rows: dict[str, StopRow]) -> None:
    parent = rows.get(row.parent_station)
    if parent is None:
        source.error(STOPS_FILE, row.line, f"parent_station '{row.parent_station}' is not in stops.txt")
    elif parent.stop_id in index.unreadable:
        pass  # The parent's own error says what is wrong.
    elif parent.location_type != STATION:
        source.error(
            STOPS_FILE, row.line, f"parent_station '{row.parent_station}' is not a station (location_type 1)"
        )
    else:
        index.add_platform(row.stop_id, index.station_of_stop[parent.stop_id])
        if row.stop_id not in index.coordinates and parent.coordinates is not None:
            index.coordinates[row.stop_id] = parent.coordinates
        return
    index.unreadable.add(row.stop_id)
