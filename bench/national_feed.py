"""A generated GTFS feed the size of a national railway's year timetable, for the import benchmark.

The same arguments (and the same week) always write the same feed. Each train number runs as two calendar
variants (weekdays, and weekends a little later), as rail operators publish them; `version`
2 is the next timetable of the same operator: trip_ids regenerated, a few trains gone, a few
retimed, and the rest unchanged.
"""

import csv
import datetime
import random
from dataclasses import dataclass
from pathlib import Path

AGENCY_ID = "NR"
TIME_ZONE = "Europe/Paris"
# A year of service from the Monday after `today`, so that its journeys are on sale.
SERVICE_DAYS = 364
# Of the trains of version 1, the share version 2 no longer runs, and the share it retimes.
GONE_SHARE = 0.02
RETIMED_SHARE = 0.02


@dataclass(frozen=True)
class FeedSize:
    stop_times: int
    stops_per_trip: int
    stations: int
    lines: int

    @property
    def trips(self) -> int:
        return self.stop_times // self.stops_per_trip


NATIONAL = FeedSize(stop_times=1_000_000, stops_per_trip=20, stations=5_000, lines=500)


def first_service_day(today: datetime.date) -> datetime.date:
    """Return the Monday after `today`: the feed's first day of service."""
    return today + datetime.timedelta(days=7 - today.weekday())


def write_national_feed(
    directory: Path,
    *,
    today: datetime.date,
    size: FeedSize = NATIONAL,
    version: int = 1,
    variants: bool = True,
    seed: int = 1,
) -> Path:
    """Write the feed's files into `directory` (created) and return it."""
    first_day = first_service_day(today)
    last_day = first_day + datetime.timedelta(days=SERVICE_DAYS - 1)
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    stations = [f"S{index:05d}" for index in range(size.stations)]
    lines = [rng.sample(stations, size.stops_per_trip) for _ in range(size.lines)]
    _write(
        directory / "agency.txt",
        ["agency_id", "agency_name", "agency_url", "agency_timezone"],
        [[AGENCY_ID, "National Rail", "https://rail.example", TIME_ZONE]],
    )
    _write(
        directory / "stops.txt",
        ["stop_id", "stop_name", "stop_lat", "stop_lon"],
        [[code, f"Station {code[1:]}", "48.0", "2.0"] for code in stations],
    )
    _write(
        directory / "routes.txt",
        ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
        [[f"L{index}", AGENCY_ID, f"L{index}", f"Line {index}", "2"] for index in range(size.lines)],
    )
    services = [["WD", 1, 1, 1, 1, 1, 0, 0], ["WE", 0, 0, 0, 0, 0, 1, 1]] if variants else [["ALL", *[1] * 7]]
    _write(
        directory / "calendar.txt",
        [
            "service_id",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "start_date",
            "end_date",
        ],
        [[*service, first_day.strftime("%Y%m%d"), last_day.strftime("%Y%m%d")] for service in services],
    )
    _write(
        directory / "calendar_dates.txt",
        ["service_id", "date", "exception_type"],
        [[services[0][0], (first_day + datetime.timedelta(days=10)).strftime("%Y%m%d"), "2"]],
    )
    with (
        (directory / "trips.txt").open("w", newline="") as trips_file,
        (directory / "stop_times.txt").open("w", newline="") as times_file,
    ):
        trips = csv.writer(trips_file)
        times = csv.writer(times_file)
        trips.writerow(["route_id", "service_id", "trip_id", "trip_short_name", "trip_headsign"])
        times.writerow(["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"])
        per_number = len(services)
        for index in range(size.trips // per_number):
            number = 10_000 + index
            fate = rng.random()
            if version > 1 and fate < GONE_SHARE:
                continue
            line = index % size.lines
            start = rng.randrange(5 * 3600, 22 * 3600, 60)
            legs = [(rng.randrange(300, 900, 60), rng.choice((60, 120))) for _ in range(size.stops_per_trip)]
            if version > 1 and fate < GONE_SHARE + RETIMED_SHARE:
                start += 300
            for variant, service in enumerate(services):
                trip_id = f"v{version}-{number}-{service[0]}"
                trips.writerow([f"L{line}", service[0], trip_id, number, lines[line][-1]])
                moment = start + variant * 600
                for sequence, (code, (run, dwell)) in enumerate(zip(lines[line], legs, strict=True)):
                    arrival = moment
                    departure = moment if sequence == 0 else moment + dwell
                    times.writerow([trip_id, _time(arrival), _time(departure), code, sequence + 1])
                    moment = departure + run
    return directory


def _time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
