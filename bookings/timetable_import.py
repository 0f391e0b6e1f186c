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
from rest_framework import exceptions

from bookings.network_changes import route_change_validate, train_lock_for_change
from railway.db.statistics import statistics_refresh
from trains import gtfs
from trains.models import ServiceException, Station, Stop, Train
from trains.selectors import runs_on_from
from trains.services import station_get_or_create, train_route_replace
from trains.time_zones import service_day_start

DAY = datetime.timedelta(days=1)


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


def timetable_of(
    train: gtfs.Train, service: gtfs.Service, *, feed_time_zone: str, origin_time_zone: str
) -> Timetable:
    """Return the train's timetable; a train leaving after midnight (25:10:00) starts a day later.

    The feed's times count from noon minus 12 hours in its own time zone, the service's from
    that of the train's first station: where the two differ, the start moves by the difference
    between their clocks on the service's first day.
    """
    first_departure = train.first_departure + clock_difference(
        service, feed_time_zone=feed_time_zone, origin_time_zone=origin_time_zone
    )
    shift = first_departure // 86_400
    later = datetime.timedelta(days=shift)
    seconds = first_departure % 86_400
    exceptions_by_date = {day + later: True for day in service.added_dates}
    exceptions_by_date |= {day + later: False for day in service.removed_dates}
    return Timetable(
        departs_at=datetime.time(seconds // 3600, seconds % 3600 // 60, seconds % 60),
        runs_on=runs_on_from([(weekday + shift) % 7 for weekday in service.weekdays]),
        service_from=service.start_date + later if service.start_date else None,
        service_until=service.end_date + later if service.end_date else None,
        exceptions=exceptions_by_date,
    )


def clock_difference(service: gtfs.Service, *, feed_time_zone: str, origin_time_zone: str) -> int:
    """Return the seconds by which the origin's clock is ahead of the feed's on the service's first day."""
    first_day = service.start_date or min(service.added_dates, default=None)
    if feed_time_zone == origin_time_zone or first_day is None:
        return 0
    difference = service_day_start(first_day, feed_time_zone) - service_day_start(first_day, origin_time_zone)
    return int(difference.total_seconds())


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
        feed_stations_import(feed)
        time_zones = {station.name: station.time_zone for station in feed.stations}
        for train in progress(feed.trains):
            timetable = timetable_of(
                train,
                feed.services[train.service_id],
                feed_time_zone=feed.time_zone,
                origin_time_zone=time_zones[train.route[0]],
            )
            try:
                train_import(train, timetable, total_seats=total_seats, report=report)
            except exceptions.ValidationError as refused:
                # Rolls the whole import back: nothing is half-imported.
                raise FeedImportRefused(
                    [f"trips.txt trip {train.trip_id!r} (train {train.number}): {refused.detail}"]
                ) from None
    # Searches and sales on the new trains are planned for the tables as they are now.
    statistics_refresh(Station, Train, Stop, ServiceException)
    return report


def train_import(train: gtfs.Train, timetable: Timetable, *, total_seats: int, report: ImportReport) -> None:
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
            route_change_validate(train=existing, stops=list(train.route))
        except exceptions.ValidationError:
            # Its stops changed while it has bookings: reported, never altered.
            report.kept_for_bookings.append(train.number)
            return
        report.updated.append(train.number)
    existing.name = train.name
    existing.departs_at, existing.runs_on = timetable.departs_at, timetable.runs_on
    existing.service_from, existing.service_until = timetable.service_from, timetable.service_until
    existing.save(update_fields=["name", "departs_at", "runs_on", "service_from", "service_until"])
    train_route_replace(train=existing, stops=list(train.route), times=stop_times_of(train))
    ServiceException.objects.filter(train=existing).delete()
    ServiceException.objects.bulk_create(
        ServiceException(train=existing, date=date, runs=runs)
        for date, runs in sorted(timetable.exceptions.items())
    )


def feed_stations_import(feed: gtfs.Feed) -> None:
    """Create the feed's stations that the service does not have yet (by name, ignoring case), and put
    every one in the time zone the feed gives it."""
    for station in feed.stations:
        stored = station_get_or_create(name=station.name, time_zone=station.time_zone)
        if stored.time_zone != station.time_zone:
            Station.objects.filter(pk=stored.pk).update(time_zone=station.time_zone)
