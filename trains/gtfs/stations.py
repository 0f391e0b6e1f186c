"""stops.txt: the stations trains call at, and the station each stop_id stands for.

The service knows a station by its name alone, so a platform (a stop with a parent_station)
stands for its parent station, and stops whose names differ only in case or surrounding
spaces are one station, as `trains.models.station_key` has it.
"""

from dataclasses import dataclass, field

from trains.gtfs.feed import Station
from trains.gtfs.source import FeedSource
from trains.time_zones import is_time_zone

STOPS_FILE = "stops.txt"
REQUIRED_COLUMNS = ("stop_id", "stop_name")
COLUMNS = (*REQUIRED_COLUMNS, "location_type", "parent_station", "stop_timezone")

STOP, STATION = "0", "1"
# Parts of a station's building, which trains do not call at.
NOT_STOPS = {"2": "an entrance or exit", "3": "a generic node", "4": "a boarding area"}
# The length of trains.models.Station.name and of its key.
STATION_NAME_MAX_LENGTH = 100


def station_key(name: str) -> str:
    """Return the form under which the service compares station names (trains.models.station_key)."""
    return name.strip().casefold()


@dataclass(frozen=True, slots=True)
class StopRow:
    line: int
    stop_id: str
    name: str
    location_type: str
    parent_station: str
    # Its stop_timezone, else the agencies'.
    time_zone: str


@dataclass
class StationIndex:
    """The stations of stops.txt, and what each stop_id stands for."""

    stations: dict[str, Station] = field(default_factory=dict)  # by station_key
    station_of_stop: dict[str, str] = field(default_factory=dict)  # stop_id -> station name
    not_stops: dict[str, str] = field(default_factory=dict)  # stop_id -> what it is instead
    # stop_ids whose rows had errors: references to them would only repeat those errors.
    unreadable: set[str] = field(default_factory=set)

    def add_station(self, name: str, stop_id: str, time_zone: str) -> None:
        """Record `stop_id` as the station `name`, one station per name as the service compares them."""
        key = station_key(name)
        known = self.stations.get(key)
        if known is None:
            self.stations[key] = Station(name=name, stop_ids=(stop_id,), time_zone=time_zone)
        else:
            self.stations[key] = Station(
                name=known.name, stop_ids=(*known.stop_ids, stop_id), time_zone=known.time_zone
            )
        self.station_of_stop[stop_id] = self.stations[key].name


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
        )
        first = rows.get(row.stop_id)
        if not source.id_is_new(STOPS_FILE, line, "stop_id", row.stop_id, first.line if first else None):
            continue
        if row.location_type not in (STOP, STATION, *NOT_STOPS):
            source.error(STOPS_FILE, line, f"location_type '{row.location_type}' is not 0, 1, 2, 3 or 4")
            index.unreadable.add(row.stop_id)
        elif not is_time_zone(row.time_zone):
            source.error(STOPS_FILE, line, f"stop_timezone '{row.time_zone}' is not an IANA time zone")
            index.unreadable.add(row.stop_id)
        rows[row.stop_id] = row
    return rows


def _add_station(source: FeedSource, index: StationIndex, row: StopRow) -> None:
    length = max(len(row.name), len(station_key(row.name)))
    if not row.name:
        source.error(STOPS_FILE, row.line, f"stop_name of '{row.stop_id}' is empty")
    elif length > STATION_NAME_MAX_LENGTH:
        source.error(STOPS_FILE, row.line, f"stop_name is longer than {STATION_NAME_MAX_LENGTH} characters")
    else:
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
        index.station_of_stop[row.stop_id] = index.station_of_stop[parent.stop_id]
        return
    index.unreadable.add(row.stop_id)
