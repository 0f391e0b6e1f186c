"""Reads on the network."""

import datetime
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models import ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Upper
from django.utils import timezone

from trains.errors import AMBIGUOUS_CODES_LISTED, StationAmbiguous
from trains.models import ServiceException, Station, StationWord, Stop, Train, WordStartsWith, station_key


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


def stop_leaves_on(
    *, departs_at: datetime.time, journey_date: datetime.date, stop: "RouteStop"
) -> datetime.date:
    """Return the calendar date on which the journey starting on `journey_date` leaves `stop`."""
    leaves = after_midnight(departs_at) + stop_offset(stop.departure, stop.arrival)
    return journey_date + datetime.timedelta(days=leaves // datetime.timedelta(days=1))


def stop_leaves_at(
    *, departs_at: datetime.time, journey_date: datetime.date, stop: "RouteStop"
) -> datetime.datetime | None:
    """Return when the journey starting on `journey_date` leaves `stop`, in TIME_ZONE; None if unknown.

    A stop with no time in the timetable (a train added without times) has no known departure.
    """
    if stop.departure is None and stop.arrival is None:
        return None
    start = datetime.datetime.combine(journey_date, datetime.time()) + after_midnight(departs_at)
    return timezone.make_aware(start + stop_offset(stop.departure, stop.arrival))


@dataclass(frozen=True)
class RouteStop:
    position: int
    station_code: str
    station_key: str
    station_name: str
    arrival: datetime.timedelta | None
    departure: datetime.timedelta | None


def journey_leaves_stop(
    *, train_id: int, journey_date: datetime.date, position: int
) -> tuple[datetime.date, datetime.datetime | None]:
    """Return the date and the moment (None: no time in the timetable) a journey leaves a stop."""
    departs_at = Train.objects.filter(pk=train_id).values_list("departs_at", flat=True).get()
    arrival, departure = (
        Stop.objects.filter(train_id=train_id, position=position).values_list("arrival", "departure").get()
    )
    stop = RouteStop(
        position=position,
        station_code="",
        station_key="",
        station_name="",
        arrival=arrival,
        departure=departure,
    )
    return (
        stop_leaves_on(departs_at=departs_at, journey_date=journey_date, stop=stop),
        stop_leaves_at(departs_at=departs_at, journey_date=journey_date, stop=stop),
    )


@dataclass(frozen=True)
class TrainOnDay:
    """A train, its route and its exception for one day (None: it has none), as a sale reads them."""

    train: Train
    route: list[RouteStop]
    exception: bool | None


# A SQL text, the same on both databases: composing it with the ORM cost more than running it,
# on every sale. SQLite returns times, dates and durations as text and integers: see time_value.
# The train (with its exception for the day) is the first row, its stops the others: two
# single-table selects, since a join costs PostgreSQL more to plan than both cost to run.
_TRAIN_ON_DAY = """
SELECT train.id, train.name, train.total_seats, train.departs_at, train.runs_on,
       train.service_from, train.service_until,
       (SELECT exception.runs FROM trains_serviceexception exception
         WHERE exception.train_id = train.id AND exception.date = %s),
       NULL, NULL, NULL, NULL, NULL, NULL
  FROM trains_train train
 WHERE train.train_number = %s
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, stop.position,
       (SELECT station.code FROM trains_station station WHERE station.id = stop.station_id),
       (SELECT station.key FROM trains_station station WHERE station.id = stop.station_id),
       (SELECT station.name FROM trains_station station WHERE station.id = stop.station_id),
       stop.arrival, stop.departure
  FROM trains_stop stop
 WHERE stop.train_id = (SELECT train.id FROM trains_train train WHERE train.train_number = %s)
"""


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


def train_on_day(*, train_number: int, day: datetime.date) -> TrainOnDay | None:
    """Return the train numbered `train_number` with its route and its exception for `day`, in one query.

    None when there is no such train.
    """
    with connection.cursor() as cursor:
        cursor.execute(_TRAIN_ON_DAY, [day, train_number, train_number])
        rows = cursor.fetchall()
    trains = [row for row in rows if row[0] is not None]
    if not trains:
        return None
    train_id, name, total_seats, departs_at, runs_on, service_from, service_until, exception, *_ = trains[0]
    train = Train(
        id=train_id,
        train_number=train_number,
        name=name,
        total_seats=total_seats,
        departs_at=time_value(departs_at),
        runs_on=runs_on,
        service_from=date_value(service_from),
        service_until=date_value(service_until),
    )
    route = sorted(
        (
            RouteStop(position, code, key, station_name, duration_value(arrival), duration_value(departure))
            for *_, position, code, key, station_name, arrival, departure in rows
            if position is not None
        ),
        key=lambda stop: stop.position,
    )
    return TrainOnDay(train=train, route=route, exception=None if exception is None else bool(exception))


@dataclass(frozen=True)
class StationFound:
    code: str
    name: str


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
    rows = list(stations.order_by("key", "code").values_list("key", "code", "name")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return StationPage(
        stations=[StationFound(code=code, name=name) for _, code, name in rows],
        next_after=(rows[-1][0], rows[-1][1]) if more else None,
    )
