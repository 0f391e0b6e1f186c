"""Import a GTFS feed (read by trains.gtfs) into stations, trains, their stops, times and running days.

`feed_import` writes the whole feed in one transaction: either every train is in place or none
is. Importing the same feed again updates the trains in place, matched by train number. It never
touches a booking: a train that has bookings keeps its stops when the feed changed them, and is
reported instead (its times, name and running days are still updated when its stops are the same).
It lives in bookings because the trains it updates may be on sale (bookings.network_changes).
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.functions import Upper
from rest_framework import exceptions

from bookings.network_changes import route_change_validate, train_lock_for_change
from railway.db.statistics import statistics_refresh
from trains import gtfs
from trains.models import ServiceException, Station, StationWord, Stop, Train, station_key, station_words
from trains.selectors import runs_on_from, stations_with_code
from trains.services import station_rename, train_route_replace

DAY = datetime.timedelta(days=1)
# Stations looked up or written per query: well within any database's limit on parameters.
STATIONS_READ_AT_ONCE = 1_000


class FeedImportRefused(Exception):
    """The feed cannot be imported as a whole; nothing was written. `problems` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    # Trains whose stops the feed changed while they have bookings: left on their old stops.
    kept_for_bookings: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Timetable:
    """A feed train's timetable in the service's terms (Train fields and ServiceException rows)."""

    departs_at: datetime.time
    runs_on: int
    service_from: datetime.date | None
    service_until: datetime.date | None
    exceptions: dict[datetime.date, bool]


def timetable_of(train: gtfs.Train, service: gtfs.Service) -> Timetable:
    """Return the train's timetable; a train leaving after midnight (25:10:00) starts a day later."""
    shift = train.first_departure // 86_400
    later = datetime.timedelta(days=shift)
    seconds = train.first_departure % 86_400
    exceptions_by_date = {day + later: True for day in service.added_dates}
    exceptions_by_date |= {day + later: False for day in service.removed_dates}
    return Timetable(
        departs_at=datetime.time(seconds // 3600, seconds % 3600 // 60, seconds % 60),
        runs_on=runs_on_from([(weekday + shift) % 7 for weekday in service.weekdays]),
        service_from=service.start_date + later if service.start_date else None,
        service_until=service.end_date + later if service.end_date else None,
        exceptions=exceptions_by_date,
    )


def stop_times_of(train: gtfs.Train) -> list[tuple[datetime.timedelta | None, datetime.timedelta | None]]:
    """Return each call's (arrival, departure) after the start; none to reach the origin or leave the end."""
    times = [
        (datetime.timedelta(seconds=call.arrival_offset), datetime.timedelta(seconds=call.departure_offset))
        for call in train.calls
    ]
    times[0] = (None, times[0][1])
    times[-1] = (times[-1][0], None)
    return times


def feed_problems(feed: gtfs.Feed, *, total_seats: int) -> list[str]:
    """Return what keeps the feed from being imported, beyond what its reader checked."""
    problems = []
    if not 1 <= total_seats <= Train.MAX_SEATS:
        problems.append(f"The seat count must be between 1 and {Train.MAX_SEATS}, not {total_seats}.")
    for train in feed.trains:
        if len(train.calls) > Train.MAX_STOPS:
            problems.append(
                f"trips.txt trip {train.trip_id!r} (train {train.number}) calls at {len(train.calls)} "
                f"stations; a train calls at {Train.MAX_STOPS} at most."
            )
    return problems


def feed_import(
    feed: gtfs.Feed,
    *,
    total_seats: int,
    progress: Callable[[Iterable[gtfs.Train]], Iterable[gtfs.Train]] = iter,
) -> ImportReport:
    """Write the feed's trains: new ones with `total_seats` seats; existing ones (by number) keep theirs.

    Raise FeedImportRefused, having written nothing, when any train cannot be imported.
    """
    problems = feed_problems(feed, total_seats=total_seats)
    if problems:
        raise FeedImportRefused(problems)
    report = ImportReport()
    with transaction.atomic():
        stations = feed_stations_import(feed)
        for train in progress(feed.trains):
            route = [stations[code] for code in train.route]
            try:
                train_import(
                    train,
                    feed.services[train.service_id],
                    route=route,
                    total_seats=total_seats,
                    report=report,
                )
            except exceptions.ValidationError as refused:
                # Rolls the whole import back: nothing is half-imported.
                raise FeedImportRefused(
                    [f"trips.txt trip {train.trip_id!r} (train {train.number}): {refused.detail}"]
                ) from None
    # Searches and sales on the new trains are planned for the tables as they are now.
    statistics_refresh(Station, StationWord, Train, Stop, ServiceException)
    return report


def train_import(
    train: gtfs.Train, service: gtfs.Service, *, route: list[Station], total_seats: int, report: ImportReport
) -> None:
    """Create or update the train, calling at `route`: the stations of its calls, origin first."""
    timetable = timetable_of(train, service)
    existing = Train.objects.filter(train_number=train.number).first()
    if existing is None:
        existing = Train.objects.create(train_number=train.number, name=train.name, total_seats=total_seats)
        report.created.append(train.number)
    else:
        # Locked until the import commits, so that no booking starts on a route it replaces. The
        # lock, check and replacement are network_changes.train_route_change's, taken apart here
        # to tell a train kept for its bookings from a route that is invalid.
        train_lock_for_change(train=existing)
        try:
            route_change_validate(train=existing, stops=list(route))
        except exceptions.ValidationError:
            # Its stops changed while it has bookings: reported, never altered.
            report.kept_for_bookings.append(train.number)
            return
        report.updated.append(train.number)
    existing.name = train.name
    existing.departs_at, existing.runs_on = timetable.departs_at, timetable.runs_on
    existing.service_from, existing.service_until = timetable.service_from, timetable.service_until
    existing.save(update_fields=["name", "departs_at", "runs_on", "service_from", "service_until"])
    train_route_replace(train=existing, stops=list(route), times=stop_times_of(train))
    ServiceException.objects.filter(train=existing).delete()
    ServiceException.objects.bulk_create(
        ServiceException(train=existing, date=date, runs=runs)
        for date, runs in sorted(timetable.exceptions.items())
    )


def feed_stations_import(feed: gtfs.Feed) -> dict[str, Station]:
    """Create or update the feed's stations by code (their stop_id), and return them by code.

    A station already in the service with the code (ignoring case) takes the feed's name, so a
    renamed stop stays the station its trains and bookings refer to; the others are created.
    """
    existing: dict[str, Station] = {}
    codes = [station.code.upper() for station in feed.stations]
    for start in range(0, len(codes), STATIONS_READ_AT_ONCE):
        for station in Station.objects.annotate(upper_code=Upper("code")).filter(
            upper_code__in=codes[start : start + STATIONS_READ_AT_ONCE]
        ):
            existing[station.upper_code] = station
    found: dict[str, Station] = {}
    new: list[Station] = []
    for station in feed.stations:
        known = existing.get(station.code.upper())
        if known is None and not station.code.isascii():
            # The databases' UPPER and Python's agree on ASCII only: ask the database itself.
            known = stations_with_code(code=station.code).first()
        if known is None:
            new.append(Station(code=station.code, name=station.name, key=station_key(station.name)))
        elif known.name != station.name:
            found[station.code] = station_rename(station=known, name=station.name)
        else:
            found[station.code] = known
    created = Station.objects.bulk_create(new, batch_size=STATIONS_READ_AT_ONCE)
    StationWord.objects.bulk_create(
        (
            StationWord(station=station, word=word)
            for station in created
            for word in station_words(station.name)
        ),
        batch_size=STATIONS_READ_AT_ONCE,
    )
    found.update((station.code, station) for station in created)
    return found
