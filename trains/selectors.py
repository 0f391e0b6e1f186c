"""Reads on the network."""

import dataclasses
import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Upper
from django.utils import timezone

from trains.coach_plans import default_coaches
from trains.errors import AMBIGUOUS_CODES_LISTED, StationAmbiguous
from trains.models import (
    Coach,
    Fare,
    ServiceException,
    Station,
    StationWord,
    Stop,
    Train,
    WordStartsWith,
    station_key,
)
from trains.seat_numbers import coach_seat_ranges
from trains.time_zones import in_zone, journey_start, local_date, service_time_zone
from trains.variants import Calendar, calendars_sharing_a_date


def stations_with_code(*, code: str, database: str = DEFAULT_DB_ALIAS) -> QuerySet[Station]:
    """Return the station whose code is `code`, ignoring case: a lookup in the unique index on codes."""
    return (
        Station.objects.using(database)
        .annotate(upper_code=Upper("code"))
        .filter(upper_code=Upper(Value(code, output_field=models.CharField())))
    )


def _code_is(text: str) -> Q:
    # Upper on both sides in SQL, so that the comparison is the unique index's, on either database.
    return Q(upper_code=Upper(Value(text, output_field=models.CharField())))


def stations_resolve(*, stations: dict[str, str], database: str = DEFAULT_DB_ALIAS) -> dict[str, int | None]:
    """Return the id of the station each value of `stations` names (None when none is), in one query.

    `stations` maps a field to a station's code, compared ignoring case, or else its name
    (station_key). Raise StationAmbiguous, keyed by the field, for a name that several stations
    have and that is no station's code.
    """
    fields = list(stations)
    matches = {
        f"code_{index}": ExpressionWrapper(_code_is(stations[field]), output_field=models.BooleanField())
        for index, field in enumerate(fields)
    }
    codes = Q()
    for text in stations.values():
        codes |= _code_is(text)
    found = list(
        Station.objects.using(database)
        .annotate(upper_code=Upper("code"))
        .filter(codes | Q(key__in={station_key(text) for text in stations.values()}))
        .annotate(**matches)
        .order_by("code")
        .values("id", "code", "key", *matches)
    )
    resolved: dict[str, int | None] = {}
    for index, field in enumerate(fields):
        by_code = [row["id"] for row in found if row[f"code_{index}"]]
        if by_code:
            resolved[field] = by_code[0]
            continue
        key = station_key(stations[field])
        named = [row for row in found if row["key"] == key]
        if len(named) > 1:
            raise StationAmbiguous(name=stations[field], codes=[row["code"] for row in named], field=field)
        resolved[field] = named[0]["id"] if named else None
    return resolved


def station_by_name(*, name: str) -> Station | None:
    """Return the station named `name` (compared by station_key), None when none is.

    Raise StationAmbiguous when several stations have the name.
    """
    stations = list(Station.objects.filter(key=station_key(name)).order_by("code")[:AMBIGUOUS_CODES_LISTED])
    if len(stations) > 1:
        raise StationAmbiguous(name=name, codes=[station.code for station in stations])
    return stations[0] if stations else None


# A stop of a route to write: a station, or the name of one as trains.services.station_for_name takes it.
RouteEntry = Station | str


def route_entry_station_id(entry: RouteEntry) -> int | None:
    """Return the id of the station a route entry stands for; None for the name of a station to create."""
    if isinstance(entry, Station):
        return entry.pk
    station = station_by_name(name=entry)
    return station.pk if station is not None else None


def train_route_stations(*, train: Train) -> list[Station]:
    """Return the stations of the train's route, origin first."""
    return [
        stop.station
        for stop in Stop.objects.filter(train=train).select_related("station").order_by("position")
    ]


def train_origin_time_zone(*, train: Train) -> str:
    """Return the time zone of the train's first station, where its times of day and dates are read.

    The service's TIME_ZONE for a train without stops yet.
    """
    origin = (
        Stop.objects.filter(train=train, position=0).order_by().values_list("station__time_zone", flat=True)
    )
    return origin.first() or service_time_zone()


def train_coaches(*, train: Train) -> list[Coach]:
    """Return the train's coaches in order: the order its seats are numbered in."""
    return list(Coach.objects.filter(train=train).order_by("position"))


def train_fares(*, train: Train) -> list[Fare]:
    """Return the train's fares, by class."""
    return list(Fare.objects.filter(train=train).order_by("travel_class"))


def train_route(*, train: Train) -> list[str]:
    """Return the station names of the train's route, origin first."""
    return [station.name for station in train_route_stations(train=train)]


def train_starts_on(*, train: Train, day: datetime.date) -> bool:
    """Return whether the train starts a journey on `day`: exceptions first, then its dates and weekdays."""
    # No ordering: (train, date) is unique, and the model's ordering would join the train.
    exception = (
        ServiceException.objects.filter(train=train, date=day).order_by().values_list("runs", flat=True)
    )
    return train_starts_on_given(train=train, day=day, exception=next(iter(exception[:1]), None))


def train_starts_on_given(*, train: Train, day: datetime.date, exception: bool | None) -> bool:
    """Return train_starts_on(train, day), its exception for the day (None: it has none) read already."""
    if exception is not None:
        return exception
    return timetable_starts_on(
        runs_on=train.runs_on, service_from=train.service_from, service_until=train.service_until, day=day
    )


def train_start_dates(*, train: Train, first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Return the dates from `first` to `last` (both included) on which the train starts a journey.

    The same answer as train_starts_on() for each date, from one query for the whole span.
    """
    exceptions = dict(
        ServiceException.objects.filter(train=train, date__range=(first, last)).values_list("date", "runs")
    )
    days = (first + datetime.timedelta(days=offset) for offset in range((last - first).days + 1))
    return [
        day
        for day in days
        if (
            exceptions[day]
            if day in exceptions
            else timetable_starts_on(
                runs_on=train.runs_on,
                service_from=train.service_from,
                service_until=train.service_until,
                day=day,
            )
        )
    ]


def timetable_starts_on(
    *,
    runs_on: int,
    service_from: datetime.date | None,
    service_until: datetime.date | None,
    day: datetime.date,
) -> bool:
    """Return whether a timetable starts a journey on `day` where no exception says otherwise."""
    if service_from is not None and day < service_from:
        return False
    if service_until is not None and day > service_until:
        return False
    return bool(runs_on & (1 << day.weekday()))


def after_midnight(moment: datetime.time) -> datetime.timedelta:
    """Return a time of day as the time since midnight, to add a stop's offset to."""
    return datetime.datetime.combine(datetime.date.min, moment) - datetime.datetime.min


def stop_offset(first: datetime.timedelta | None, second: datetime.timedelta | None) -> datetime.timedelta:
    """Return the first of a stop's two times (arrival, departure) that the timetable gives, else 0."""
    if first is not None:
        return first
    return second if second is not None else datetime.timedelta()


def train_journey_days(*, train: Train) -> int:
    """Return how many days after its start date a journey of the train reaches its last station."""
    last = Stop.objects.filter(train=train).order_by("-position").values_list("arrival", "departure").first()
    arrives = after_midnight(train.departs_at) + stop_offset(*(last or (None, None)))
    return arrives // datetime.timedelta(days=1)


def weekdays_of(runs_on: int) -> list[int]:
    """Return the weekdays (0 Monday .. 6 Sunday) set in a `Train.runs_on` mask."""
    return [day for day in range(7) if runs_on & (1 << day)]


def runs_on_from(weekdays: list[int]) -> int:
    """Return the `Train.runs_on` mask of the given weekdays (0 Monday .. 6 Sunday)."""
    return sum(1 << day for day in set(weekdays))


@dataclass(frozen=True)
class RouteStop:
    position: int
    station_code: str
    station_key: str
    station_name: str
    arrival: datetime.timedelta | None
    departure: datetime.timedelta | None
    # The station's time zone, in which the train's times there are written.
    time_zone: str = ""
    # Kilometres from the train's first station; None where unknown.
    distance_km: Decimal | None = None


@dataclass(frozen=True)
class CoachOnDay:
    """A coach of a train as a sale reads it: the train's seats first_seat .. last_seat."""

    coach: str
    travel_class: str
    seats: int
    layout: str
    first_seat: int

    @property
    def last_seat(self) -> int:
        return self.first_seat + self.seats - 1


def stop_leaves_at(
    *, departs_at: datetime.time, journey_date: datetime.date, origin_time_zone: str, stop: RouteStop
) -> datetime.datetime | None:
    """Return when the journey dated `journey_date` leaves `stop`, in the stop's time zone; None if unknown.

    `origin_time_zone` is the zone of the train's first station, where `departs_at` and the
    journey's date are read. A stop with no time in the timetable (a train added without
    times) has no known departure.
    """
    if stop.departure is None and stop.arrival is None:
        return None
    start = journey_start(journey_date=journey_date, departs_at=departs_at, time_zone=origin_time_zone)
    return in_zone(start + stop_offset(stop.departure, stop.arrival), stop.time_zone)


def stop_leaves_on(*, journey_date: datetime.date, leaves_at: datetime.datetime | None) -> datetime.date:
    """Return the date at the stop on which a journey leaving it at `leaves_at` (stop_leaves_at) leaves it.

    A stop with no time counts as left on the journey's date.
    """
    return journey_date if leaves_at is None else leaves_at.date()


def journey_leaves_stop(
    *, train_id: int, journey_date: datetime.date, position: int
) -> tuple[datetime.date, datetime.datetime | None, str]:
    """Return the date, moment (None: no time in the timetable) and time zone of a journey leaving a stop."""
    origin = Stop.objects.filter(train=OuterRef("pk"), position=0).order_by().values("station__time_zone")[:1]
    departs_at, origin_time_zone = (
        Train.objects.filter(pk=train_id)
        .order_by()
        .annotate(origin_time_zone=Subquery(origin))
        .values_list("departs_at", "origin_time_zone")
        .get()
    )
    arrival, departure, time_zone = (
        Stop.objects.filter(train_id=train_id, position=position)
        .order_by()
        .values_list("arrival", "departure", "station__time_zone")
        .get()
    )
    stop = RouteStop(position, "", "", "", arrival, departure, time_zone)
    leaves_at = stop_leaves_at(
        departs_at=departs_at, journey_date=journey_date, origin_time_zone=origin_time_zone, stop=stop
    )
    return stop_leaves_on(journey_date=journey_date, leaves_at=leaves_at), leaves_at, time_zone


@dataclass(frozen=True)
class TrainOnDay:
    """A train, its route and its exception on its journey's date (None: it has none), as a sale reads them.

    `day` is the journey's date: the one asked for, else today at the train's first station.
    """

    train: Train
    route: list[RouteStop]
    exception: bool | None
    day: datetime.date
    # The train's coaches in order, and each class's fare: (per_km, minimum); a class without one
    # is missing.
    coaches: tuple[CoachOnDay, ...] = ()
    fares: dict[str, tuple[Decimal, Decimal]] = dataclasses.field(default_factory=dict)

    @property
    def origin_time_zone(self) -> str:
        return self.route[0].time_zone if self.route else ""


# A SQL text, the same on both databases: composing it with the ORM cost more than running it,
# on every sale. SQLite returns times, dates and durations as text and integers: see time_value.
# The active variants of the number are the rows with a train id first, their stops, their
# exceptions in a span of dates, and their coaches with their classes' fares the others:
# single-table selects, since a join costs PostgreSQL more to plan than they cost to run. The
# variants are found once, by the number, for all four. The casts give PostgreSQL the types of
# the columns only later selects fill.
_TRAIN_ON_DAY = """
WITH variant AS (
  SELECT train.id FROM trains_train train WHERE train.train_number = %s AND train.withdrawn_at IS NULL
)
SELECT train.id, train.name, train.total_seats, train.departs_at, train.runs_on,
       train.service_from, train.service_until,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, CAST(NULL AS BIGINT), CAST(NULL AS DATE),
       CAST(NULL AS BOOLEAN), CAST(NULL AS NUMERIC),
       CAST(NULL AS BIGINT), CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR),
       CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR), CAST(NULL AS NUMERIC), CAST(NULL AS NUMERIC)
  FROM trains_train train
 WHERE train.id IN (SELECT id FROM variant)
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, stop.train_id, stop.position,
       (SELECT station.code FROM trains_station station WHERE station.id = stop.station_id),
       (SELECT station.key FROM trains_station station WHERE station.id = stop.station_id),
       (SELECT station.name FROM trains_station station WHERE station.id = stop.station_id),
       (SELECT station.time_zone FROM trains_station station WHERE station.id = stop.station_id),
       stop.arrival, stop.departure, NULL, NULL, NULL, stop.distance_km,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM trains_stop stop
 WHERE stop.train_id IN (SELECT id FROM variant)
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       exception.train_id, exception.date, exception.runs, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM trains_serviceexception exception
 WHERE exception.train_id IN (SELECT id FROM variant)
   AND exception.date BETWEEN %s AND %s
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL,
       coach.train_id, coach.position, coach.coach, coach.travel_class, coach.seats, coach.layout,
       (SELECT fare.per_km FROM trains_fare fare
         WHERE fare.train_id = coach.train_id AND fare.travel_class = coach.travel_class),
       (SELECT fare.minimum FROM trains_fare fare
         WHERE fare.train_id = coach.train_id AND fare.travel_class = coach.travel_class)
  FROM trains_coach coach
 WHERE coach.train_id IN (SELECT id FROM variant)
"""


def train_coaches_on_day(on_day: TrainOnDay) -> tuple[CoachOnDay, ...]:
    """Return the coaches of the train read: those stored, or for a train stored without any, the coaches
    a train given none has (trains.coach_plans)."""
    if on_day.coaches:
        return on_day.coaches
    first = 1
    coaches = []
    for plan in default_coaches(total_seats=on_day.train.total_seats):
        coaches.append(CoachOnDay(plan.coach, plan.travel_class, plan.seats, plan.layout, first))
        first += plan.seats
    return tuple(coaches)


def train_coaches_by_id(*, train_id: int) -> tuple[CoachOnDay, ...]:
    """Return the coaches of the train with id `train_id` as a sale reads them (train_coaches_on_day), in
    one query."""
    rows = list(
        Coach.objects.filter(train_id=train_id)
        .order_by("position")
        .values_list("coach", "travel_class", "seats", "layout")
    )
    if not rows:
        total_seats = Train.objects.filter(pk=train_id).values_list("total_seats", flat=True).get()
        rows = [
            (plan.coach, plan.travel_class, plan.seats, plan.layout)
            for plan in default_coaches(total_seats=total_seats)
        ]
    coaches = []
    first = 1
    for coach, travel_class, seats, layout in rows:
        coaches.append(CoachOnDay(coach, travel_class, seats, layout, first))
        first += seats
    return tuple(coaches)


def time_value(value: datetime.time | str) -> datetime.time:
    """Return a time column's value read by SQL text: PostgreSQL's as it is, SQLite's text parsed."""
    return value if isinstance(value, datetime.time) else datetime.time.fromisoformat(value)


def date_value(value: datetime.date | str | None) -> datetime.date | None:
    """Return a date column's value read by SQL text: PostgreSQL's as it is, SQLite's text parsed."""
    return value if value is None or isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def duration_value(value: datetime.timedelta | int | None) -> datetime.timedelta | None:
    """Return a duration column's value read by SQL text: PostgreSQL's interval, SQLite's microseconds."""
    if value is None or isinstance(value, datetime.timedelta):
        return value
    return datetime.timedelta(microseconds=value)


def decimal_value(value: Decimal | float | int | str | None) -> Decimal | None:
    """Return a decimal column's value read by SQL text: PostgreSQL's as it is, SQLite's number exactly
    as it prints (1.45, not the binary fraction nearest to it)."""
    return value if value is None or isinstance(value, Decimal) else Decimal(str(value))


def train_on_day(
    *, train_number: int, day: datetime.date | None, now: datetime.datetime | None = None
) -> TrainOnDay | None:
    """Return the variant of train `train_number` running on `day`, its route and exception, in one query.

    Without a `day`, the journey is today's at the train's first station (at `now`, by default
    the present). Withdrawn trains are not read. When no variant runs on the day, one of them is
    returned all the same (its dates then refuse the sale, as for any train not running); None
    when the number has no active train at all.
    """
    now = now or timezone.now()
    if day is None:
        # Every place on Earth is within a day of UTC: the exceptions of three dates cover today there.
        utc_today = now.astimezone(datetime.UTC).date()
        first, last = utc_today - datetime.timedelta(days=1), utc_today + datetime.timedelta(days=1)
    else:
        first = last = day
    with connection.cursor() as cursor:
        cursor.execute(_TRAIN_ON_DAY, [train_number, first, last])
        rows = cursor.fetchall()
    variants = []
    routes: dict[int, list[RouteStop]] = {}
    exceptions: dict[int, dict[datetime.date, bool]] = {}
    coaches: dict[int, list[tuple]] = {}
    for row in rows:
        train_id, name, total_seats, departs_at, runs_on, service_from, service_until = row[:7]
        stop_train_id, position, code, key, station_name, time_zone, arrival, departure = row[7:15]
        exception_train_id, date, runs, distance_km = row[15:19]
        coach_train_id = row[19]
        if coach_train_id is not None:
            coaches.setdefault(coach_train_id, []).append(row[20:])
        elif train_id is not None:
            variants.append(
                Train(
                    id=train_id,
                    train_number=train_number,
                    name=name,
                    total_seats=total_seats,
                    departs_at=time_value(departs_at),
                    runs_on=runs_on,
                    service_from=date_value(service_from),
                    service_until=date_value(service_until),
                )
            )
        elif stop_train_id is not None:
            stop = RouteStop(
                position,
                code,
                key,
                station_name,
                duration_value(arrival),
                duration_value(departure),
                time_zone,
                decimal_value(distance_km),
            )
            routes.setdefault(stop_train_id, []).append(stop)
        else:
            exceptions.setdefault(exception_train_id, {})[date_value(date)] = bool(runs)
    if not variants:
        return None
    candidates = []
    for train in sorted(variants, key=lambda train: train.pk):
        route = sorted(routes.get(train.pk, []), key=lambda stop: stop.position)
        train_day = day
        if train_day is None:
            train_day = local_date(now, route[0].time_zone) if route else timezone.localdate(now)
        exception = exceptions.get(train.pk, {}).get(train_day)
        train_coaches, fares = _coaches_on_day(coaches.get(train.pk, []))
        candidates.append(
            TrainOnDay(
                train=train,
                route=route,
                exception=exception,
                day=train_day,
                coaches=train_coaches,
                fares=fares,
            )
        )
    running = [
        candidate
        for candidate in candidates
        if train_starts_on_given(train=candidate.train, day=candidate.day, exception=candidate.exception)
    ]
    return (running or candidates)[0]


def _coaches_on_day(rows: list[tuple]) -> tuple[tuple[CoachOnDay, ...], dict[str, tuple[Decimal, Decimal]]]:
    """Return a train's coaches in order and its classes' fares from rows (position, coach, class,
    seats, layout, per_km, minimum) in any order."""
    coaches = []
    fares = {}
    first = 1
    for _, code, travel_class, seats, layout, per_km, minimum in sorted(rows):
        coaches.append(CoachOnDay(code, travel_class, seats, layout, first))
        first += seats
        if per_km is not None:
            fares[travel_class] = (decimal_value(per_km), decimal_value(minimum))
    return tuple(coaches), fares


def train_calendars(*, trains: Iterable[Train]) -> dict[int, Calendar]:
    """Return the calendars of saved trains by id, their exceptions read in one query."""
    trains = list(trains)
    exceptions: dict[int, dict[datetime.date, bool]] = {train.pk: {} for train in trains}
    rows = ServiceException.objects.filter(train__in=[train.pk for train in trains]).order_by()
    for train_id, day, runs in rows.values_list("train_id", "date", "runs"):
        exceptions[train_id][day] = runs
    return {
        train.pk: Calendar(train.runs_on, train.service_from, train.service_until, exceptions[train.pk])
        for train in trains
    }


def variant_clash(
    *, train_number: int, calendar: Calendar, other_than: int | None = None
) -> tuple[Train, datetime.date] | None:
    """Return an active train numbered `train_number` starting on a date `calendar` starts on, and the date.

    `other_than` is the id of the train the calendar is for, when it is saved already.
    """
    others = Train.objects.filter(train_number=train_number, withdrawn_at__isnull=True).exclude(pk=other_than)
    trains = {train.pk: train for train in others}
    if not trains:
        return None
    calendars: list[tuple[int | None, Calendar]] = [*train_calendars(trains=trains.values()).items()]
    # Last, so that it is the one named against an earlier variant.
    clashes = calendars_sharing_a_date([*calendars, (None, calendar)], today=timezone.localdate())
    return next(((trains[earlier], day) for earlier, later, day in clashes if later is None), None)


@dataclass(frozen=True)
class StationFound:
    code: str
    name: str
    time_zone: str


@dataclass(frozen=True)
class StationPage:
    """A page of the station finder, and the position (name key, code) of its last row when more follow."""

    stations: list[StationFound]
    next_after: tuple[str, str] | None


def stations_find(*, words: list[str], limit: int, after: tuple[str, str] | None = None) -> StationPage:
    """Return the stations whose names have, for each of `words`, a word starting with it; by name.

    `words` are station_words of the query. Rows come by name key, then code; `after` is a
    keyset position (key, code): only stations after it come, so a page is an index range
    however deep. Each word is a prefix lookup in the index of name words (StationWord).
    """
    with_words = [
        StationWord.objects.filter(WordStartsWith(F("word"), word)).values("station_id") for word in words
    ]
    # The stations having every word, as one set: filtering the stations word by word let
    # PostgreSQL walk them in name order, testing each, which is slow when few match.
    having_all = with_words[0].intersection(*with_words[1:]) if len(with_words) > 1 else with_words[0]
    stations = Station.objects.filter(pk__in=having_all)
    if after is not None:
        key, code = after
        stations = stations.filter(Q(key__gt=key) | Q(key=key, code__gt=code))
    rows = list(stations.order_by("key", "code").values_list("key", "code", "name", "time_zone")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return StationPage(
        stations=[
            StationFound(code=code, name=name, time_zone=time_zone) for _, code, name, time_zone in rows
        ],
        next_after=(rows[-1][0], rows[-1][1]) if more else None,
    )


@dataclass(frozen=True)
class SeatClass:
    travel_class: str
    # The seats of all the class's coaches.
    seats: int


@dataclass(frozen=True)
class TrainSeating:
    """A train's classes in its coaches' order, and which of them each range of its seat numbers is in."""

    classes: list[SeatClass]
    # (index in `classes`, first seat number, last seat number), one per run of coaches of a class.
    seat_classes: list[tuple[int, int, int]]
    # Each class's fare: (per_km, minimum); a class without one is missing.
    fares: dict[str, tuple[Decimal, Decimal]]


# The coaches of some trains in order, each with its class's fare (NULLs without one).
_COACHES = """
SELECT coach.train_id, coach.travel_class, coach.seats, fare.per_km, fare.minimum
  FROM trains_coach coach
  LEFT JOIN trains_fare fare ON fare.train_id = coach.train_id AND fare.travel_class = coach.travel_class
 WHERE coach.train_id IN ({trains})
 ORDER BY coach.train_id, coach.position
"""


def trains_seating(*, database: str = DEFAULT_DB_ALIAS, train_ids: set[int]) -> dict[int, TrainSeating]:
    """Return the classes, seat ranges and fares of the trains `train_ids`, in one query."""
    if not train_ids:
        return {}
    coaches: dict[int, list[tuple]] = {}
    with connections[database].cursor() as cursor:
        cursor.execute(
            _COACHES.format(trains=", ".join(["%s"] * len(train_ids))),
            sorted(train_ids),
        )
        for train_id, *coach in cursor.fetchall():
            coaches.setdefault(train_id, []).append(coach)
    seating = {}
    for train_id, train_coaches in coaches.items():
        ranges = coach_seat_ranges(coach_seats=[seats for _, seats, _, _ in train_coaches])
        index_of: dict[str, int] = {}
        seats: Counter[str] = Counter()
        fares = {}
        seat_classes = []
        for (travel_class, coach_seats, per_km, minimum), (first, last) in zip(
            train_coaches, ranges, strict=True
        ):
            index = index_of.setdefault(travel_class, len(index_of))
            seats[travel_class] += coach_seats
            if seat_classes and seat_classes[-1][0] == index:
                # The next coach of the same class: one range for both.
                seat_classes[-1] = (index, seat_classes[-1][1], last)
            else:
                seat_classes.append((index, first, last))
            if per_km is not None:
                fares[travel_class] = (decimal_value(per_km), decimal_value(minimum))
        seating[train_id] = TrainSeating(
            classes=[SeatClass(travel_class=name, seats=seats[name]) for name in index_of],
            seat_classes=seat_classes,
            fares=fares,
        )
    return seating
