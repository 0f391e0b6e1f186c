"""What a feed reads as: stations, trains with their calls, and the days each train runs."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from trains.gtfs.times import format_time
from trains.variants import EMPTY, RunningDates


def run_key(trip_id: str, departure: int) -> str:
    """Return the name of a departure of a trip of frequencies.txt: "T1@08:20:00"."""
    return f"{trip_id}@{format_time(departure)}"


@dataclass(frozen=True, slots=True)
class Station:
    """A station trains call at: its code (its stop_id in stops.txt), its name, the stop_ids that
    are it, and its time zone: its stop_timezone, else the agencies'.

    `stop_ids` are its own first, then its platforms'.
    """

    code: str
    name: str
    stop_ids: tuple[str, ...]
    time_zone: str


@dataclass(frozen=True, slots=True)
class Call:
    """A train's call at a station (its code), its times in seconds after the train's first departure,
    and its distance from the train's first call in kilometres, one decimal (None: unknown)."""

    station: str
    arrival_offset: int
    departure_offset: int
    distance_km: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Train:
    """A trip of trips.txt, or one departure of a trip of frequencies.txt: its number and name for
    the service, its running days and its calls.

    `first_departure` is the time of day the train leaves its origin, in seconds after noon
    minus 12 hours (midnight but on the nights the clocks change) of the day it runs on, in the
    feed's time zone; from 24:00:00 (86,400) on it leaves after midnight.
    """

    trip_id: str
    number: int
    name: str
    service_id: str
    first_departure: int
    calls: tuple[Call, ...]
    # The agency_id of its route; '' where the feed gives none.
    agency_id: str = ""
    # Whether it is one departure of a trip of frequencies.txt, which all share their trip_id.
    frequency_run: bool = False

    @property
    def source_key(self) -> str:
        """Return what tells it from the feed's other trains: its trip_id, with the departure for a run."""
        return run_key(self.trip_id, self.first_departure) if self.frequency_run else self.trip_id

    @property
    def route(self) -> tuple[str, ...]:
        """Return the codes of the stations it calls at, origin first."""
        return tuple(call.station for call in self.calls)


@dataclass(frozen=True, slots=True)
class Service:
    """The days trains of one service_id run: weekly days in a date range, plus and minus single dates.

    Weekdays count from 0 (Monday) as `date.weekday()` does. A service given only by
    calendar_dates.txt has no weekdays and no range.
    """

    service_id: str
    weekdays: frozenset[int]
    start_date: datetime.date | None
    end_date: datetime.date | None
    added_dates: frozenset[datetime.date]
    removed_dates: frozenset[datetime.date]

    def runs_on(self, day: datetime.date) -> bool:
        """Return whether trains of this service run on `day`."""
        if day in self.removed_dates:
            return False
        if day in self.added_dates:
            return True
        if self.start_date is None or self.end_date is None:
            return False
        return self.start_date <= day <= self.end_date and day.weekday() in self.weekdays

    def running_dates(self) -> RunningDates:
        """Return every date trains of this service run on."""
        weekly = EMPTY
        if self.start_date is not None and self.end_date is not None:
            weekly = RunningDates.weekly(weekdays=self.weekdays, first=self.start_date, last=self.end_date)
        return (weekly | RunningDates.of(self.added_dates)) - RunningDates.of(self.removed_dates)


@dataclass(frozen=True, slots=True)
class Feed:
    """A whole feed: stations and trains in file order, services by service_id.

    `time_zone` is the agencies' (the service's TIME_ZONE for a feed without agency.txt): trains'
    times of day count from noon minus 12 hours of their service day there.
    """

    stations: tuple[Station, ...]
    trains: tuple[Train, ...]
    services: Mapping[str, Service]
    time_zone: str
