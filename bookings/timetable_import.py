"""Import a GTFS feed (read by trains.gtfs) into stations, trains, their stops, times and running days.

A feed version replaces the last one of its agencies: afterwards the timetable is the feed's.
The import runs in three steps, so that sales never wait on it for long:

1. Validate the whole feed (feed_problems): a feed with any problem changes nothing.
2. Plan (import_plan), from the feed and one bulk read of the trains stored for its agencies:
   each feed train is matched to a stored one (by agency and trip_id, else by agency, number and
   the most running dates in common), and each is created, updated, replaced, withdrawn or left
   unchanged. Bookings are never deleted or altered: the confirmed ones on future journeys that
   the new version cancels, retimes or reroutes are reported as disruptions.
3. Apply (import_plan_apply) in short transactions of at most IMPORT_BATCH_TRAINS trains each.
   A batch locks the trains it changes and their journeys (as bookings.network_changes does for
   one train), so that no sale reads a half-written train; a sale on another train never waits,
   and one on a train of the batch waits for that batch only. Unchanged trains are not written.

A train that has bookings keeps its stops: when the feed changes its stations, it is withdrawn
and a new variant of its number is created (bookings record stop positions). It lives in
bookings because the trains it changes may be on sale.
"""

import datetime
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from rest_framework import exceptions

from bookings.models import Booking, ImportLease, Journey
from railway.db.bulk import rows_insert, rows_update
from railway.db.statistics import statistics_refresh
from trains import gtfs
from trains.coach_plans import CoachPlan, default_coaches
from trains.errors import CoachesInvalid
from trains.models import (
    Coach,
    ServiceException,
    Station,
    StationWord,
    Stop,
    Train,
    station_key,
    station_words,
)
from trains.selectors import runs_on_from, stations_with_code, stop_offset, train_calendars
from trains.services import (
    StopTimes,
    coaches_total_check,
    route_validate,
    station_rename,
    stop_times_validate,
)
from trains.time_zones import in_zone, journey_start, service_day_start
from trains.variants import Calendar, RunningDates, calendar_dates, calendars_sharing_a_date, calendars_span

DAY = datetime.timedelta(days=1)
# Trains written per transaction: the longest a sale on one of them may wait is one batch's writes.
IMPORT_BATCH_TRAINS = 100
# Stations looked up or written per query: well within any database's limit on parameters.
STATIONS_READ_AT_ONCE = 1_000
# What an import sets of a train, and reads back to compare (the seat count stays the train's).
TRAIN_FIELDS = [
    "train_number",
    "name",
    "agency_id",
    "trip_id",
    "departs_at",
    "runs_on",
    "service_from",
    "service_until",
]


class FeedImportRefused(Exception):
    """The feed cannot be imported as a whole; nothing was written. `problems` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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


def stop_times_of(train: gtfs.Train) -> list[StopTimes]:
    """Return each call's (arrival, departure) after the start; none to reach the origin or leave the end."""
    times = [
        (datetime.timedelta(seconds=call.arrival_offset), datetime.timedelta(seconds=call.departure_offset))
        for call in train.calls
    ]
    times[0] = (None, times[0][1])
    times[-1] = (times[-1][0], None)
    return times


def calendar_of(timetable: Timetable) -> Calendar:
    return Calendar(timetable.runs_on, timetable.service_from, timetable.service_until, timetable.exceptions)


def weekly_part(timetable: Timetable) -> tuple:
    """Return the timetable's weekly part: its weekdays and dates of service."""
    return (timetable.runs_on, timetable.service_from, timetable.service_until)


@dataclass(frozen=True)
class StoredTrain:
    """An active train of the feed's agencies, or of no feed, as the plan reads it in bulk."""

    id: int
    train_number: int
    name: str
    agency_id: str
    trip_id: str
    timetable: Timetable
    # The route: station codes (upper case, as codes compare) and names, and each stop's times,
    # origin first.
    station_codes: tuple[str, ...]
    station_names: tuple[str, ...]
    station_time_zones: tuple[str, ...]
    times: tuple[StopTimes, ...]
    has_bookings: bool
    # Each stop's distance_km, origin first (None where unknown).
    distances: tuple[Decimal | None, ...] = ()

    @property
    def of_a_feed(self) -> bool:
        """Return whether it came from a feed; a train of no feed is never withdrawn by an import."""
        return self.trip_id != ""


class Action:
    CREATE = "create"
    UPDATE = "update"
    # Its stations changed under bookings: withdrawn, and a new variant created in its place.
    REPLACE = "replace"
    WITHDRAW = "withdraw"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class TrainChange:
    """What the import does to one train: `feed` is the feed's train (None: withdrawn), `stored` the
    train it replaces or updates (None: created)."""

    action: str
    feed: gtfs.Train | None
    stored: StoredTrain | None
    timetable: Timetable | None


class Disruption:
    CANCELLED = "cancelled"
    RETIMED = "retimed"
    REROUTED = "rerouted"


@dataclass(frozen=True)
class DisruptedBooking:
    """A confirmed booking on a future journey that the new feed version cancels, retimes or reroutes."""

    booking_id: int
    user_id: int
    train_number: int
    trip_id: str
    journey_date: datetime.date
    source: str
    destination: str
    seat_count: int
    change: str
    departure_before: datetime.datetime | None
    departure_after: datetime.datetime | None
    arrival_before: datetime.datetime | None
    arrival_after: datetime.datetime | None

    def as_json(self) -> dict:
        def moment(value: datetime.datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "booking_id": self.booking_id,
            "user_id": self.user_id,
            "train_number": self.train_number,
            "trip_id": self.trip_id,
            "journey_date": self.journey_date.isoformat(),
            "source": self.source,
            "destination": self.destination,
            "seat_count": self.seat_count,
            "change": self.change,
            "departure_before": moment(self.departure_before),
            "departure_after": moment(self.departure_after),
            "arrival_before": moment(self.arrival_before),
            "arrival_after": moment(self.arrival_after),
        }

    def __str__(self) -> str:
        what = {
            Disruption.CANCELLED: "the train no longer runs that date",
            Disruption.RETIMED: (
                f"leaves {self.source} at {_clock(self.departure_after)} "
                f"(was {_clock(self.departure_before)}), reaches {self.destination} at "
                f"{_clock(self.arrival_after)} (was {_clock(self.arrival_before)})"
            ),
            Disruption.REROUTED: "the train's stations changed; it runs as a new variant",
        }[self.change]
        return (
            f"Booking {self.booking_id} (user {self.user_id}): train {self.train_number} on "
            f"{self.journey_date.isoformat()}, {self.source} -> {self.destination}, {self.seat_count} "
            f"seat(s): {self.change}, {what}"
        )


def _clock(moment: datetime.datetime | None) -> str:
    return "no time" if moment is None else moment.isoformat()


@dataclass
class ImportPlan:
    changes: list[TrainChange]
    # Disruptions as the plan sees them; the apply step reads them again under its locks.
    disrupted: list[DisruptedBooking]

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    replaced: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    disrupted: list[DisruptedBooking] = field(default_factory=list)
    # Of the disrupted bookings, those cancelled (--cancel-disrupted).
    cancelled: list[int] = field(default_factory=list)


# 1. Validation


def feed_problems(feed: gtfs.Feed, *, total_seats: int, coaches: list[CoachPlan] | None = None) -> list[str]:
    """Return what keeps the feed from being imported, beyond what its reader checked."""
    problems = []
    if not 1 <= total_seats <= Train.MAX_SEATS:
        problems.append(f"The seat count must be between 1 and {Train.MAX_SEATS}, not {total_seats}.")
    elif coaches is not None:
        try:
            coaches_total_check(coaches=coaches, total_seats=total_seats)
        except CoachesInvalid as invalid:
            problems.append(str(invalid.detail))
    agency_max = Train._meta.get_field("agency_id").max_length
    trip_max = Train._meta.get_field("trip_id").max_length
    for train in feed.trains:
        where = f"trips.txt trip {train.trip_id!r} (train {train.number})"
        if len(train.calls) > Train.MAX_STOPS:
            problems.append(
                f"{where} calls at {len(train.calls)} stations; a train calls at {Train.MAX_STOPS} at most."
            )
            continue
        if len(train.source_key) > trip_max:
            problems.append(f"{where}: its trip_id is longer than {trip_max} characters.")
        if len(train.agency_id) > agency_max:
            problems.append(f"{where}: its agency_id is longer than {agency_max} characters.")
        try:
            route_validate(source=train.route[0], destination=train.route[-1], stops=list(train.route))
            stop_times_validate(times=stop_times_of(train))
        except exceptions.ValidationError as refused:
            problems.append(f"{where}: {refused.detail}")
    return problems


# 2. The plan


def feed_agencies(feed: gtfs.Feed) -> set[str]:
    return {train.agency_id for train in feed.trains}


def stored_trains(*, agencies: set[str]) -> list[StoredTrain]:
    """Return the active trains imported for `agencies`, and those of no feed, with routes, exceptions
    and whether booked.

    Trains of no feed (added through the API or the admin, or imported before trains recorded
    their trip) may be taken over by a feed train of their number. Five queries however many
    trains there are.
    """
    feed_trains = Q(withdrawn_at__isnull=True) & (
        (Q(agency_id__in=agencies) & ~Q(trip_id="")) | Q(trip_id="")
    )
    rows = list(Train.objects.filter(feed_trains).order_by("pk").values_list("pk", *TRAIN_FIELDS))
    trains = Train.objects.filter(feed_trains).values("pk")
    exceptions: dict[int, dict[datetime.date, bool]] = {row[0]: {} for row in rows}
    for train_id, day, runs in (
        ServiceException.objects.filter(train__in=trains).order_by().values_list("train_id", "date", "runs")
    ):
        exceptions[train_id][day] = runs
    # Each station once, and each pair of stop times once, however many stops share them: a
    # national timetable has a million stops over a few thousand stations and times.
    stations = {
        pk: (code.upper(), name, time_zone)
        for pk, code, name, time_zone in Station.objects.order_by().values_list(
            "pk", "code", "name", "time_zone"
        )
    }
    shared_times: dict[StopTimes, StopTimes] = {}
    stops: dict[int, list[tuple]] = {row[0]: [] for row in rows}
    for train_id, station_id, arrival, departure, distance in (
        Stop.objects.filter(train__in=trains)
        .order_by("train_id", "position")
        .values_list("train_id", "station_id", "arrival", "departure", "distance_km")
    ):
        times = shared_times.setdefault((arrival, departure), (arrival, departure))
        code, name, time_zone = stations[station_id]
        stops[train_id].append((code, name, times, time_zone, distance))
    booked = set(
        Booking.objects.filter(train__in=trains).order_by().values_list("train_id", flat=True).distinct()
    )
    return [
        StoredTrain(
            id=pk,
            train_number=number,
            name=name,
            agency_id=agency_id,
            trip_id=trip_id,
            timetable=Timetable(departs_at, runs_on, service_from, service_until, exceptions[pk]),
            station_codes=tuple(stop[0] for stop in stops[pk]),
            station_names=tuple(stop[1] for stop in stops[pk]),
            station_time_zones=tuple(stop[3] for stop in stops[pk]),
            times=tuple(stop[2] for stop in stops[pk]),
            has_bookings=pk in booked,
            distances=tuple(stop[4] for stop in stops[pk]),
        )
        for pk, number, name, agency_id, trip_id, departs_at, runs_on, service_from, service_until in rows
    ]


def import_plan(feed: gtfs.Feed, *, today: datetime.date) -> ImportPlan:
    """Return what importing the feed changes, train by train, and the bookings it disrupts.

    Raise FeedImportRefused when a feed train would run on a date an active train of its number
    from elsewhere (another feed, the API, the admin) runs on.
    """
    stored = stored_trains(agencies=feed_agencies(feed))
    time_zones = {station.code: station.time_zone for station in feed.stations}
    timetables = {
        index: timetable_of(
            train,
            feed.services[train.service_id],
            feed_time_zone=feed.time_zone,
            origin_time_zone=time_zones[train.route[0]],
        )
        for index, train in enumerate(feed.trains)
    }
    matches = _matches(feed.trains, timetables, stored, today=today)
    changes = []
    matched_ids = set()
    for index, train in enumerate(feed.trains):
        old = matches.get(index)
        timetable = timetables[index]
        if old is None:
            changes.append(TrainChange(Action.CREATE, train, None, timetable))
            continue
        matched_ids.add(old.id)
        changes.append(TrainChange(_action(train, timetable, old), train, old, timetable))
    changes += [
        TrainChange(Action.WITHDRAW, None, old, None)
        for old in stored
        if old.id not in matched_ids and old.of_a_feed
    ]
    replaced_ids = {old.id for old in stored if old.of_a_feed} | matched_ids
    _outside_clashes_check(changes, stored_ids=replaced_ids, today=today)
    return ImportPlan(changes=changes, disrupted=disruptions_of(changes, today=today))


def _matches(
    trains: tuple[gtfs.Train, ...],
    timetables: dict[int, Timetable],
    stored: list[StoredTrain],
    *,
    today: datetime.date,
) -> dict[int, StoredTrain]:
    """Return the stored train each feed train (by index) takes the place of.

    The same trip_id first; else, of the same agency and number (or of no feed and the same
    number), the train with the most running dates in common (at least one), so that a feed
    regenerating its trip ids updates its trains instead of adding them again.
    """
    by_trip = {(old.agency_id, old.trip_id): old for old in stored if old.of_a_feed}
    matches: dict[int, StoredTrain] = {}
    taken: set[int] = set()
    for index, train in enumerate(trains):
        old = by_trip.get((train.agency_id, train.source_key))
        if old is not None:
            matches[index] = old
            taken.add(old.id)
    by_number: dict[tuple[str | None, int], list[StoredTrain]] = {}
    for old in stored:
        if old.id not in taken:
            # Trains of no feed under None: any agency's train of their number may take them over.
            agency = old.agency_id if old.of_a_feed else None
            by_number.setdefault((agency, old.train_number), []).append(old)
    # By timetable and span, since most trains share their calendar with many others.
    dates: dict[tuple, RunningDates] = {}

    def running_dates(timetable: Timetable, span: tuple[datetime.date, datetime.date]) -> RunningDates:
        key = (*weekly_part(timetable), tuple(sorted(timetable.exceptions.items())), span)
        if key not in dates:
            dates[key] = calendar_dates(calendar_of(timetable), first=span[0], last=span[1])
        return dates[key]

    for index, train in enumerate(trains):
        if index in matches:
            continue
        candidates = [
            old
            for agency in (train.agency_id, None)
            for old in by_number.get((agency, train.number), [])
            if old.id not in taken
        ]
        if not candidates:
            continue
        timetable = timetables[index]
        own = running_dates(timetable, calendars_span([calendar_of(timetable)], today=today))
        if not own:
            continue
        span = (own.earliest(), own.latest())
        overlap, best = max(
            ((len(own & running_dates(old.timetable, span)), old) for old in candidates),
            key=lambda pair: pair[0],
        )
        if overlap:
            matches[index] = best
            taken.add(best.id)
    return matches


def route_codes(train: gtfs.Train) -> tuple[str, ...]:
    """Return the codes of the stations the train calls at, upper case, as codes compare."""
    return tuple(code.upper() for code in train.route)


def _action(train: gtfs.Train, timetable: Timetable, old: StoredTrain) -> str:
    if route_codes(train) != old.station_codes:
        return Action.REPLACE if old.has_bookings else Action.UPDATE
    same = (
        tuple(stop_times_of(train)) == old.times
        and tuple(call.distance_km for call in train.calls) == old.distances
        and timetable == old.timetable
        and (train.number, train.name, train.agency_id, train.source_key)
        == (old.train_number, old.name, old.agency_id, old.trip_id)
    )
    return Action.UNCHANGED if same else Action.UPDATE


def _outside_clashes_check(changes: list[TrainChange], *, stored_ids: set[int], today: datetime.date) -> None:
    """Refuse feed trains running on a date an active train of their number, not of the feed, runs on."""
    numbers = {change.feed.number for change in changes if change.feed is not None}
    outside = [
        train
        for train in Train.objects.filter(withdrawn_at__isnull=True).only(
            "pk", "train_number", "runs_on", "service_from", "service_until"
        )
        if train.pk not in stored_ids and train.train_number in numbers
    ]
    if not outside:
        return
    calendars = train_calendars(trains=outside)
    problems = []
    for change in changes:
        if change.feed is None or change.timetable is None:
            continue
        others = [
            (train.pk, calendars[train.pk]) for train in outside if train.train_number == change.feed.number
        ]
        if not others:
            continue
        clashes = calendars_sharing_a_date([*others, (None, calendar_of(change.timetable))], today=today)
        for earlier, later, day in clashes:
            if later is None:
                problems.append(
                    f"trips.txt trip {change.feed.trip_id!r} (train {change.feed.number}) runs on "
                    f"{day.isoformat()}, as train {change.feed.number} (id {earlier}), not of this feed, "
                    "does."
                )
    if problems:
        raise FeedImportRefused(problems)


def disruptions_of(changes: Iterable[TrainChange], *, today: datetime.date) -> list[DisruptedBooking]:
    """Return the confirmed bookings on journeys from `today` on that the changes cancel, retime or reroute.

    One query for the bookings of every train changed.
    """
    by_id = {
        change.stored.id: change
        for change in changes
        if change.stored is not None and change.action != Action.UNCHANGED
    }
    if not by_id:
        return []
    bookings = Booking.objects.filter(
        train_id__in=list(by_id),
        status__in=[Booking.Status.HELD, Booking.Status.CONFIRMED, Booking.Status.WAITLISTED],
        journey_date__gte=today,
    ).order_by("train_id", "journey_date", "pk")
    disrupted = []
    for booking in bookings.only(
        "pk", "user_id", "train_id", "journey_date", "from_position", "to_position", "seat_count"
    ):
        found = booking_disruption(by_id[booking.train_id], booking)
        if found is not None:
            disrupted.append(found)
    return disrupted


def booking_disruption(change: TrainChange, booking: Booking) -> DisruptedBooking | None:
    """Return how the change disrupts the booking's journey, or None when the journey runs as booked."""
    old = change.stored
    assert old is not None
    before = _times_at(old.timetable.departs_at, old.times, old.station_time_zones, booking)
    after: tuple[datetime.datetime | None, datetime.datetime | None] = (None, None)
    if change.action == Action.WITHDRAW or not _starts_on(change.timetable, booking.journey_date):
        kind = Disruption.CANCELLED
    elif change.action == Action.REPLACE:
        kind = Disruption.REROUTED
    else:
        assert change.feed is not None and change.timetable is not None
        # Its stations are the same (else it is rerouted), and so are their time zones.
        after = _times_at(
            change.timetable.departs_at, tuple(stop_times_of(change.feed)), old.station_time_zones, booking
        )
        if after == before:
            return None
        kind = Disruption.RETIMED
    return DisruptedBooking(
        booking_id=booking.pk,
        user_id=booking.user_id,
        train_number=old.train_number,
        trip_id=old.trip_id,
        journey_date=booking.journey_date,
        source=old.station_names[booking.from_position],
        destination=old.station_names[booking.to_position],
        seat_count=booking.seat_count,
        change=kind,
        departure_before=before[0],
        departure_after=after[0],
        arrival_before=before[1],
        arrival_after=after[1],
    )


def _starts_on(timetable: Timetable | None, day: datetime.date) -> bool:
    if timetable is None:
        return False
    return day in calendar_dates(calendar_of(timetable), first=day, last=day)


def _times_at(
    departs_at: datetime.time, times: tuple[StopTimes, ...], time_zones: tuple[str, ...], booking: Booking
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """Return when the journey leaves the booking's boarding stop and reaches its alighting stop,
    each in its station's time zone."""
    start = journey_start(journey_date=booking.journey_date, departs_at=departs_at, time_zone=time_zones[0])
    arrival, departure = times[booking.from_position]
    leaves = None if arrival is None and departure is None else start + stop_offset(departure, arrival)
    arrival, departure = times[booking.to_position]
    reaches = None if arrival is None and departure is None else start + stop_offset(arrival, departure)
    return (
        None if leaves is None else in_zone(leaves, time_zones[booking.from_position]),
        None if reaches is None else in_zone(reaches, time_zones[booking.to_position]),
    )


# 3. Applying the plan


@contextmanager
def import_lock() -> Iterator[str]:
    """Hold the import lease for the import run in this block; yield its holder's id.

    Raise FeedImportRefused if another import holds an unexpired lease. The lease lasts
    IMPORT_LEASE_SECONDS from each renewal (import_lease_renew, once per batch), so an import
    that dies leaves it to expire.
    """
    holder = uuid.uuid4().hex
    now = timezone.now()
    ImportLease.objects.get_or_create(id=ImportLease.ONLY)
    free = Q(expires_at__isnull=True) | Q(expires_at__lte=now)
    taken = ImportLease.objects.filter(free, id=ImportLease.ONLY).update(
        holder=holder, expires_at=now + _lease_length()
    )
    if not taken:
        raise FeedImportRefused(["Another import is running; nothing was imported. Try again once it ends."])
    try:
        yield holder
    finally:
        ImportLease.objects.filter(id=ImportLease.ONLY, holder=holder).update(holder="", expires_at=None)


def import_lease_renew(holder: str) -> None:
    """Extend the import's lease, or raise FeedImportRefused if it expired and another import took it."""
    renewed = ImportLease.objects.filter(id=ImportLease.ONLY, holder=holder).update(
        expires_at=timezone.now() + _lease_length()
    )
    if not renewed:
        raise FeedImportRefused(
            ["The import's lease expired and another import took it; the batches written stand."]
        )


def _lease_length() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.IMPORT_LEASE_SECONDS)


def feed_import(
    feed: gtfs.Feed,
    *,
    total_seats: int,
    coaches: list[CoachPlan] | None = None,
    dry_run: bool = False,
    progress: Callable[[Iterable[TrainChange]], Iterable[TrainChange]] = iter,
) -> ImportReport:
    """Make the timetable of the feed's agencies the feed's; new trains get `total_seats` seats, in
    `coaches` (which must hold exactly that many), else in the default coaches.

    Raise FeedImportRefused, having written nothing, when the feed cannot be imported as a whole.
    With `dry_run`, return what the import would do and write nothing.
    """
    problems = feed_problems(feed, total_seats=total_seats, coaches=coaches)
    if problems:
        raise FeedImportRefused(problems)
    today = timezone.localdate()
    if dry_run:
        plan = import_plan(feed, today=today)
        return _report_of(plan, disrupted=plan.disrupted)
    with import_lock() as holder:
        plan = import_plan(feed, today=today)
        stations = feed_stations_import(feed)
        disrupted = import_plan_apply(
            plan,
            holder=holder,
            stations=stations,
            coaches=coaches or default_coaches(total_seats=total_seats),
            today=today,
            progress=progress,
        )
    # Searches and sales on the new trains are planned for the tables as they are now.
    statistics_refresh(Station, StationWord, Train, Stop, Coach, ServiceException)
    return _report_of(plan, disrupted=disrupted)


def _report_of(plan: ImportPlan, *, disrupted: list[DisruptedBooking]) -> ImportReport:
    return ImportReport(
        created=plan.count(Action.CREATE),
        updated=plan.count(Action.UPDATE),
        replaced=plan.count(Action.REPLACE),
        withdrawn=plan.count(Action.WITHDRAW),
        unchanged=plan.count(Action.UNCHANGED),
        disrupted=disrupted,
    )


def import_plan_apply(
    plan: ImportPlan,
    *,
    holder: str,
    stations: dict[str, Station],
    coaches: list[CoachPlan],
    today: datetime.date,
    progress: Callable[[Iterable[TrainChange]], Iterable[TrainChange]] = iter,
) -> list[DisruptedBooking]:
    """Write the plan's changes in batches of IMPORT_BATCH_TRAINS trains, one transaction each.

    `holder` holds the import's lease (import_lock), renewed with each batch. `stations` are the
    feed's, by code (feed_stations_import); `coaches` those of each train created. Return the
    bookings disrupted, as read under each batch's locks.
    """
    written = (change for change in progress(plan.changes) if change.action != Action.UNCHANGED)
    disrupted: list[DisruptedBooking] = []
    while batch := list(itertools.islice(written, IMPORT_BATCH_TRAINS)):
        with transaction.atomic():
            import_lease_renew(holder)
            disrupted += _batch_apply(batch, stations=stations, coaches=coaches, today=today)
    return disrupted


def _batch_apply(
    batch: list[TrainChange], *, stations: dict[str, Station], coaches: list[CoachPlan], today: datetime.date
) -> list[DisruptedBooking]:
    """Write one batch of changes in the caller's transaction; return the bookings they disrupt."""
    stored_ids = sorted(change.stored.id for change in batch if change.stored is not None)
    # Locked until the batch commits, as bookings.network_changes.train_lock_for_change does for
    # one train: sales in flight on them finish first, and none starts on a half-written train.
    list(
        Train.objects.select_for_update(no_key=True)
        .filter(pk__in=stored_ids)
        .order_by("pk")
        .values_list("pk")
    )
    list(
        Journey.objects.select_for_update(no_key=True)
        .filter(train_id__in=stored_ids)
        .order_by("train_id", "date")
        .values_list("date")
    )
    # A booking may have come since the plan was read: such a train keeps its stations too.
    rerouted = [
        change.stored.id
        for change in batch
        if change.action == Action.UPDATE and change.stored is not None and change.feed is not None
        if route_codes(change.feed) != change.stored.station_codes
    ]
    if rerouted:
        booked = set(Booking.objects.filter(train_id__in=rerouted).values_list("train_id", flat=True))
        batch = [
            TrainChange(Action.REPLACE, change.feed, change.stored, change.timetable)
            if change.stored is not None and change.stored.id in booked and change.action == Action.UPDATE
            else change
            for change in batch
        ]
    disrupted = disruptions_of(batch, today=today)
    now = timezone.now()
    gone = [change.stored.id for change in batch if change.action in (Action.WITHDRAW, Action.REPLACE)]
    if gone:
        Train.objects.filter(pk__in=gone).update(withdrawn_at=now)
    updates = [change for change in batch if change.action == Action.UPDATE]
    new = [change for change in batch if change.action in (Action.CREATE, Action.REPLACE)]
    updated = [_train_of(change, Train(pk=change.stored.id)) for change in updates if change.stored]
    rows_update(
        Train,
        TRAIN_FIELDS,
        ((train.pk, *(getattr(train, name) for name in TRAIN_FIELDS)) for train in updated),
    )
    total_seats = sum(coach.seats for coach in coaches)
    created = Train.objects.bulk_create(
        _train_of(change, Train(total_seats=total_seats)) for change in new if change.feed is not None
    )
    # Stops and exceptions are written again whole: nothing refers to their rows.
    Stop.objects.filter(train__in=updated).delete()
    ServiceException.objects.filter(train__in=updated).delete()
    written = list(zip(updated, updates, strict=True)) + list(zip(created, new, strict=True))
    # Stops are most of a timetable's rows: written in bulk, past the ORM's per-row work.
    rows_insert(
        Stop,
        ["train", "station", "position", "arrival", "departure", "distance_km"],
        (
            (train.pk, stations[call.station].pk, position, *times, call.distance_km)
            for train, change in written
            if change.feed is not None
            for position, (call, times) in enumerate(
                zip(change.feed.calls, stop_times_of(change.feed), strict=True)
            )
        ),
    )
    # New trains have their seats in the import's coaches; a train the import updates keeps its own.
    rows_insert(
        Coach,
        ["train", "position", "coach", "travel_class", "seats", "layout"],
        (
            (train.pk, position, coach.coach, coach.travel_class, coach.seats, coach.layout)
            for train in created
            for position, coach in enumerate(coaches)
        ),
    )
    rows_insert(
        ServiceException,
        ["train", "date", "runs"],
        (
            (train.pk, day, runs)
            for train, change in written
            if change.timetable is not None
            for day, runs in sorted(change.timetable.exceptions.items())
        ),
    )
    return disrupted


def _train_of(change: TrainChange, train: Train) -> Train:
    """Return `train` with the feed train's number, name, agency, trip_id and timetable set."""
    assert change.feed is not None and change.timetable is not None
    train.agency_id = change.feed.agency_id
    train.train_number, train.name, train.trip_id = (
        change.feed.number,
        change.feed.name,
        change.feed.source_key,
    )
    train.departs_at, train.runs_on = change.timetable.departs_at, change.timetable.runs_on
    train.service_from, train.service_until = change.timetable.service_from, change.timetable.service_until
    return train


def feed_stations_import(feed: gtfs.Feed) -> dict[str, Station]:
    """Create or update the feed's stations by code (their stop_id), and return them by code.

    A station already in the service with the code (ignoring case) takes the feed's name and time
    zone, so a renamed stop stays the station its trains and bookings refer to; the others are
    created.
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
    moved: list[Station] = []
    for station in feed.stations:
        known = existing.get(station.code.upper())
        if known is None and not station.code.isascii():
            # The databases' UPPER and Python's agree on ASCII only: ask the database itself.
            known = stations_with_code(code=station.code).first()
        if known is None:
            new.append(
                Station(
                    code=station.code,
                    name=station.name,
                    key=station_key(station.name),
                    time_zone=station.time_zone,
                )
            )
            continue
        if known.name != station.name:
            known = station_rename(station=known, name=station.name)
        if known.time_zone != station.time_zone:
            known.time_zone = station.time_zone
            moved.append(known)
        found[station.code] = known
    Station.objects.bulk_update(moved, ["time_zone"], batch_size=STATIONS_READ_AT_ONCE)
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
