"""Reads on bookings and seat inventory."""

import datetime as dt
import itertools
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.models import (
    BigIntegerField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from bookings.allocation import segment_mask
from bookings.models import Booking, BookingSeat
from railway.pagination import page_split
from railway.prepared import execute_prepared
from trains.models import Seat, ServiceException, Stop, Train, station_key
from trains.selectors import after_midnight, stop_offset, timetable_starts_on


def _station_name_at(position_field: str) -> Subquery:
    return Subquery(
        # No ORDER BY: (train, position) is unique, and Stop's default ordering joins the train.
        Stop.objects.filter(train=OuterRef("train"), position=OuterRef(position_field))
        .order_by()
        .values("station__name")[:1]
    )


def bookings_with_stations(*, bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Return the bookings with their train and the names of their boarding and alighting stations."""
    return bookings.select_related("train").annotate(
        source_name=_station_name_at("from_position"),
        destination_name=_station_name_at("to_position"),
    )


def bookings_of_user(*, user_id: int, before: tuple[datetime, int] | None = None) -> QuerySet[Booking]:
    """Return the user's bookings, newest first, cancelled ones included, with station names.

    `before` is a keyset position (created_at, id): only bookings after it in that order
    are returned, so that the index booking_user_newest serves any page as a range scan.
    """
    bookings = Booking.objects.filter(user_id=user_id)
    if before is not None:
        created_at, booking_id = before
        # created_at <= bounds the index range; the exclusion settles ties on the timestamp.
        bookings = bookings.filter(created_at__lte=created_at).exclude(
            created_at=created_at, id__gte=booking_id
        )
    return bookings_with_stations(bookings=bookings).order_by("-created_at", "-id")


# A page of a user's bookings rendered as the API's JSON by PostgreSQL, newest first. The
# page CTE reads limit + 1 rows from booking_user_newest (the extra one only says that more
# follow); train numbers and station names are looked up by index for those rows alone.
# Timestamps are formatted as api_timestamp() writes them. `{after}` is empty on page one.
_BOOKING_PAGE_SQL = """
WITH page AS (
    SELECT b.*, row_number() OVER (ORDER BY b.created_at DESC, b.id DESC) AS n
      FROM bookings_booking b
     WHERE b.user_id = %s {after}
     ORDER BY b.created_at DESC, b.id DESC
     LIMIT %s
)
SELECT coalesce(json_agg(json_build_object(
           'booking_id', p.id,
           'train_number', (SELECT t.train_number FROM trains_train t WHERE t.id = p.train_id),
           'journey_date', to_char(p.journey_date, 'YYYY-MM-DD'),
           'user_id', p.user_id,
           'source', (SELECT st.name FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
                       WHERE s.train_id = p.train_id AND s.position = p.from_position),
           'destination', (SELECT st.name FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
                            WHERE s.train_id = p.train_id AND s.position = p.to_position),
           'seat_count', p.seat_count,
           'seat_numbers', p.seat_numbers,
           'status', p.status,
           'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
               || CASE WHEN date_trunc('second', p.created_at) = p.created_at THEN ''
                       ELSE '.' || to_char(p.created_at AT TIME ZONE 'UTC', 'US') END
               || 'Z'
       ) ORDER BY p.n) FILTER (WHERE p.n <= %s), '[]')::text,
       count(*) > %s,
       max(p.created_at) FILTER (WHERE p.n = %s),
       max(p.id) FILTER (WHERE p.n = %s)
  FROM page p
"""


@dataclass(frozen=True)
class BookingPage:
    """A page of bookings as JSON text, and the position of its last row when more follow."""

    json: str
    next_before: tuple[datetime, int] | None


def api_timestamp(moment: datetime) -> str:
    """Return `moment` as the API writes timestamps: ISO 8601 in UTC, "Z" for the offset.

    What serializers.DateTimeField(default_timezone=UTC) renders, without its per-value
    time-zone lookups, which cost more than the rest of a row on a page of bookings.
    """
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# What a page row is read from, for booking_row_output().
BOOKING_ROW_FIELDS = (
    "id",
    "train__train_number",
    "journey_date",
    "user_id",
    "source_name",
    "destination_name",
    "seat_count",
    "seat_numbers",
    "status",
    "created_at",
)


def booking_row_output(row: dict) -> dict:
    """Return a booking as the API writes it, from a row of BOOKING_ROW_FIELDS."""
    return {
        "booking_id": row["id"],
        "train_number": row["train__train_number"],
        "journey_date": row["journey_date"].isoformat(),
        "user_id": row["user_id"],
        "source": row["source_name"],
        "destination": row["destination_name"],
        "seat_count": row["seat_count"],
        "seat_numbers": row["seat_numbers"],
        "status": row["status"],
        "created_at": api_timestamp(row["created_at"]),
    }


def booking_page(*, user_id: int, limit: int, before: tuple[datetime, int] | None = None) -> BookingPage:
    """Return the page of bookings_of_user(user_id, before) of `limit` rows, as the API's JSON."""
    if connection.vendor == "postgresql":
        return booking_page_in_database(user_id=user_id, limit=limit, before=before)
    return booking_page_in_python(user_id=user_id, limit=limit, before=before)


def booking_page_in_python(
    *, user_id: int, limit: int, before: tuple[datetime, int] | None = None
) -> BookingPage:
    """Return the page shaped from plain rows: no model instances, no serializer per row."""
    rows = list(bookings_of_user(user_id=user_id, before=before).values(*BOOKING_ROW_FIELDS)[: limit + 1])
    rows, more = page_split(rows, limit=limit)
    # DRF's JSONRenderer writes the same: compact, UTF-8 as it is.
    text = json.dumps([booking_row_output(row) for row in rows], ensure_ascii=False, separators=(",", ":"))
    return BookingPage(json=text, next_before=(rows[-1]["created_at"], rows[-1]["id"]) if more else None)


def booking_page_in_database(
    *, user_id: int, limit: int, before: tuple[datetime, int] | None = None
) -> BookingPage:
    """Return the same page rendered by PostgreSQL (PostgreSQL only).

    Rendering in the database saves Python a model row, a JSON decode and a timestamp per
    booking; a test holds the two renderings equal.
    """
    with connection.cursor() as cursor:
        if before is None:
            name, after, params = "bookings_page_first", "", [user_id]
        else:
            # created_at <= bounds the index range; the exclusion settles ties on the timestamp.
            name = "bookings_page_after"
            after = "AND b.created_at <= %s AND NOT (b.created_at = %s AND b.id >= %s)"
            params = [user_id, before[0], before[0], before[1]]
        sql = _BOOKING_PAGE_SQL.format(after=after)
        execute_prepared(cursor, name, sql, [*params, limit + 1, limit, limit, limit, limit])
        page, more, last_created_at, last_id = cursor.fetchone()
    return BookingPage(json=page, next_before=(last_created_at, last_id) if more else None)


def booking_with_stations(*, booking_id: int) -> Booking:
    """Return one booking with the names of its boarding and alighting stations."""
    return bookings_with_stations(bookings=Booking.objects.filter(pk=booking_id)).get()


@dataclass(frozen=True)
class TrainAvailability:
    train_number: int
    name: str
    # The ends of the train's route, whatever segment was asked for.
    source: str
    destination: str
    total_seats: int
    available_seats: int
    # The date the train leaves its first station: the journey whose seats are counted.
    journey_date: dt.date
    # When the train leaves the station asked for as source and reaches the one asked for as
    # destination, in the service's time zone.
    departure: datetime
    arrival: datetime


class AfterTrainNotListed(ValidationError):
    """`after` names a train that is not in the answer, so there is no place to continue from."""

    def __init__(self, *, train_number: int, journey_date: dt.date) -> None:
        super().__init__(
            {
                "after": [
                    f"Train {train_number} is not among the trains of this search on "
                    f"{journey_date.isoformat()}: pass the train_number of a row of the previous page, "
                    "as the Link header does, or leave `after` out to start again."
                ]
            },
            code="after_not_listed",
        )


# The trains calling at the source and later at the destination, by departure from the source
# on `journey_date` (the date the passenger leaves it). From the source station's stops (index
# stop_station_lookup) to the same trains' stops at the destination, so only trains calling at
# the source are read, never the whole network. Those two read the index alone; the stops'
# times are read again by (train, position) for the trains that call at both, which reads
# less than half the pages that reading them for every train at the source does.
#
# A train leaves a stop `departs_at` plus the stop's offset after midnight of its start date,
# so it starts `journey_date` minus the whole days in that sum. It is kept when it starts a
# journey on that date: its exception for the date, else its dates of service and weekdays
# (trains.selectors.train_starts_on). Times are wall-clock (start date + departs_at + offset)
# read in the service's time zone by AT TIME ZONE. Only the page's rows read the route's ends
# and the journey's seats. A seat is free on the segment when its mask of sold legs has none
# of the legs boarding..alighting-1: (-1 << boarding) & ~(-1 << alighting), written without
# arithmetic so that no leg number can overflow a signed 64-bit integer.
#
# `{after}` is empty on the first page. Otherwise it keeps the trains from the `after` train
# on, that train included: the caller checks that it came first, since an `after` train that
# is not in the answer leaves no row at all.
_TRAINS_BETWEEN_SQL = """
WITH candidate AS (
    SELECT train.id, train.train_number, train.name, train.total_seats,
           train.runs_on, train.service_from, train.service_until,
           boarding.position AS boarding_position, alighting.position AS alighting_position,
           train.departs_at - time '00:00'
               + coalesce(boarding_times.departure, boarding_times.arrival, interval '0') AS leaves,
           train.departs_at - time '00:00'
               + coalesce(alighting_times.arrival, alighting_times.departure, interval '0') AS arrives
      FROM trains_station origin
      JOIN trains_stop boarding ON boarding.station_id = origin.id
      JOIN trains_stop alighting
        ON alighting.train_id = boarding.train_id AND alighting.position > boarding.position
      JOIN trains_station target ON target.id = alighting.station_id
      JOIN trains_train train ON train.id = boarding.train_id
      JOIN trains_stop boarding_times
        ON boarding_times.train_id = train.id AND boarding_times.position = boarding.position
      JOIN trains_stop alighting_times
        ON alighting_times.train_id = train.id AND alighting_times.position = alighting.position
     WHERE origin.key = %s AND target.key = %s
), dated AS (
    SELECT candidate.*,
           CAST(%s AS date) - floor(extract(epoch FROM leaves) / 86400)::integer AS start_date
      FROM candidate
), running AS (
    SELECT dated.*,
           (start_date + leaves) AT TIME ZONE CAST(%s AS text) AS departure,
           (start_date + arrives) AT TIME ZONE CAST(%s AS text) AS arrival
      FROM dated
     WHERE coalesce(
               (SELECT exception.runs FROM trains_serviceexception exception
                 WHERE exception.train_id = dated.id AND exception.date = dated.start_date),
               (service_from IS NULL OR start_date >= service_from)
               AND (service_until IS NULL OR start_date <= service_until)
               AND (runs_on >> (extract(isodow FROM start_date)::integer - 1)) & 1 = 1)
), page AS (
    SELECT * FROM running {after}
     ORDER BY departure, train_number
     LIMIT %s
)
SELECT page.train_number, page.name, page.total_seats,
    (SELECT station.name FROM trains_stop stop
       JOIN trains_station station ON station.id = stop.station_id
      WHERE stop.train_id = page.id ORDER BY stop.position LIMIT 1),
    (SELECT station.name FROM trains_stop stop
       JOIN trains_station station ON station.id = stop.station_id
      WHERE stop.train_id = page.id ORDER BY stop.position DESC LIMIT 1),
    page.total_seats - (SELECT COUNT(*) FROM trains_seat seat
      WHERE seat.train_id = page.id AND seat.journey_date = page.start_date
        AND (seat.sold_legs & (CAST(-1 AS BIGINT) << page.boarding_position)
             & ~(CAST(-1 AS BIGINT) << page.alighting_position)) <> 0),
    page.start_date, page.departure, page.arrival
  FROM page
 ORDER BY page.departure, page.train_number
"""
_FROM_AFTER_TRAIN = (
    "WHERE (departure, train_number) >= (SELECT departure, train_number FROM running WHERE train_number = %s)"
)


def trains_between(
    *,
    source: str,
    destination: str,
    journey_date: dt.date | None = None,
    after_train_number: int = 0,
    limit: int = 200,
) -> list[TrainAvailability]:
    """Return up to `limit` trains calling at `source` and later at `destination`, by departure.

    `journey_date` is the date the passenger leaves `source`, by default today in the
    service's time zone: a train that left its first station the evening before is found on
    the date it calls at `source`. Each row names that journey (`journey_date`, the train's
    start date) and says when the train leaves `source` and reaches `destination`; rows come by
    that departure, then by train number. `available_seats` counts the journey's seats free on
    every leg from source to destination: exactly what a booking of that segment could get now.

    With `after_train_number`, only the trains after that one in this order are returned, and
    AfterTrainNotListed is raised when it is not in the answer. The search reads from the
    database the routers choose for it: a replica, where one is configured.
    """
    database = router.db_for_read(Train, availability_search=True)
    if connections[database].vendor == "postgresql":
        search = trains_between_in_database
    else:
        search = trains_between_in_python
    return search(
        database=database,
        source=source,
        destination=destination,
        journey_date=journey_date or timezone.localdate(),
        after_train_number=after_train_number,
        limit=limit,
    )


def _rows_after(
    rows: list[TrainAvailability], *, after_train_number: int, journey_date: dt.date
) -> list[TrainAvailability]:
    """Return the rows after the first, which must be the `after` train; all of them without one."""
    if not after_train_number:
        return rows
    if not rows or rows[0].train_number != after_train_number:
        raise AfterTrainNotListed(train_number=after_train_number, journey_date=journey_date)
    return rows[1:]


def trains_between_in_database(
    *,
    database: str = DEFAULT_DB_ALIAS,
    source: str,
    destination: str,
    journey_date: dt.date,
    after_train_number: int = 0,
    limit: int = 200,
) -> list[TrainAvailability]:
    """Return the rows of trains_between from one prepared query (PostgreSQL only)."""
    zone_name = settings.TIME_ZONE
    params = [station_key(source), station_key(destination), journey_date, zone_name, zone_name]
    if after_train_number:
        # Two statements, so that each keeps a plan of its own. The `after` train comes first.
        statement, after = "bookings_trains_on_date_after", _FROM_AFTER_TRAIN
        params += [after_train_number, limit + 1]
    else:
        statement, after = "bookings_trains_on_date", ""
        params += [limit]
    zone = timezone.get_default_timezone()
    with connections[database].cursor() as cursor:
        execute_prepared(cursor, statement, _TRAINS_BETWEEN_SQL.format(after=after), params)
        rows = [
            TrainAvailability(
                train_number=train_number,
                name=name,
                source=route_source,
                destination=route_destination,
                total_seats=total_seats,
                available_seats=available_seats,
                journey_date=start_date,
                departure=departure.astimezone(zone),
                arrival=arrival.astimezone(zone),
            )
            for (
                train_number,
                name,
                total_seats,
                route_source,
                route_destination,
                available_seats,
                start_date,
                departure,
                arrival,
            ) in cursor.fetchall()
        ]
    return _rows_after(rows, after_train_number=after_train_number, journey_date=journey_date)


def wall_clock_in_zone(moment: datetime, zone: dt.tzinfo) -> datetime:
    """Return the naive wall-clock `moment` made aware in `zone`, as PostgreSQL's AT TIME ZONE does.

    Where a clock change skips that time or makes it happen twice, PostgreSQL takes the reading
    with the smaller UTC offset: the one before a change forward, the one after a change back.
    """
    readings = (moment.replace(tzinfo=zone, fold=0), moment.replace(tzinfo=zone, fold=1))
    chosen = min(readings, key=lambda reading: reading.utcoffset() or dt.timedelta())
    # Through UTC, which turns a skipped time into the time that exists at that instant.
    return chosen.astimezone(UTC).astimezone(zone)


def trains_between_in_python(
    *,
    database: str = DEFAULT_DB_ALIAS,
    source: str,
    destination: str,
    journey_date: dt.date,
    after_train_number: int = 0,
    limit: int = 200,
) -> list[TrainAvailability]:
    """Return the rows of trains_between from portable queries, dated and ordered in Python.

    Three queries at most: the trains calling at both stations, the exceptions of their start
    dates, and the seats sold on the page's journeys. A test holds it equal to the prepared query.
    """
    first_stop = Stop.objects.filter(train=OuterRef("train_id")).order_by("position")
    last_stop = Stop.objects.filter(train=OuterRef("train_id")).order_by("-position")
    # The train's other stops are joined once: the values below read the stop the filter found.
    calls = (
        Stop.objects.using(database)
        .filter(
            station__key=station_key(source),
            train__stops__station__key=station_key(destination),
            train__stops__position__gt=F("position"),
        )
        .order_by()
        .values(
            "train_id",
            "train__train_number",
            "train__name",
            "train__total_seats",
            "train__departs_at",
            "train__runs_on",
            "train__service_from",
            "train__service_until",
            boarding_position=F("position"),
            boarding_arrival=F("arrival"),
            boarding_departure=F("departure"),
            alighting_position=F("train__stops__position"),
            alighting_arrival=F("train__stops__arrival"),
            alighting_departure=F("train__stops__departure"),
            route_source=Subquery(first_stop.values("station__name")[:1]),
            route_destination=Subquery(last_stop.values("station__name")[:1]),
        )
    )
    zone = timezone.get_default_timezone()
    dated = list(calls)
    for call in dated:
        starts = after_midnight(call["train__departs_at"])
        leaves = starts + stop_offset(call["boarding_departure"], call["boarding_arrival"])
        arrives = starts + stop_offset(call["alighting_arrival"], call["alighting_departure"])
        start_date = journey_date - dt.timedelta(days=leaves // dt.timedelta(days=1))
        midnight = datetime.combine(start_date, dt.time())
        call.update(
            start_date=start_date,
            departure=wall_clock_in_zone(midnight + leaves, zone),
            arrival=wall_clock_in_zone(midnight + arrives, zone),
        )
    if not dated:
        return _rows_after([], after_train_number=after_train_number, journey_date=journey_date)

    # Trains by dates: a few more pairs than needed, read in one short query and matched here.
    exceptions = {
        (train_id, day): runs
        for train_id, day, runs in ServiceException.objects.using(database)
        .filter(
            train_id__in={call["train_id"] for call in dated},
            date__in={call["start_date"] for call in dated},
        )
        .values_list("train_id", "date", "runs")
    }

    def starts_on_its_date(call: dict) -> bool:
        runs = exceptions.get((call["train_id"], call["start_date"]))
        if runs is not None:
            return runs
        return timetable_starts_on(
            runs_on=call["train__runs_on"],
            service_from=call["train__service_from"],
            service_until=call["train__service_until"],
            day=call["start_date"],
        )

    running = sorted(
        filter(starts_on_its_date, dated), key=lambda call: (call["departure"], call["train__train_number"])
    )
    if after_train_number:
        numbers = [call["train__train_number"] for call in running]
        # From the `after` train on, that train included, as the prepared query answers.
        running = running[numbers.index(after_train_number) :] if after_train_number in numbers else []
        limit += 1
    page = running[:limit]

    sold: Counter[int] = Counter()
    if page:
        # Each train's journey and the legs asked for on it.
        wanted = {
            (call["train_id"], call["start_date"]): segment_mask(
                call["boarding_position"], call["alighting_position"]
            )
            for call in page
        }
        masks = (
            Seat.objects.using(database)
            .filter(
                train_id__in={train_id for train_id, _ in wanted},
                journey_date__in={day for _, day in wanted},
            )
            .exclude(sold_legs=0)
            .values_list("train_id", "journey_date", "sold_legs")
        )
        sold.update(train_id for train_id, day, mask in masks if mask & wanted.get((train_id, day), 0))
    rows = [
        TrainAvailability(
            train_number=call["train__train_number"],
            name=call["train__name"],
            source=call["route_source"],
            destination=call["route_destination"],
            total_seats=call["train__total_seats"],
            available_seats=call["train__total_seats"] - sold[call["train_id"]],
            journey_date=call["start_date"],
            departure=call["departure"],
            arrival=call["arrival"],
        )
        for call in page
    ]
    return _rows_after(rows, after_train_number=after_train_number, journey_date=journey_date)


def train_has_bookings(*, train: Train) -> bool:
    """Return whether any booking, confirmed or cancelled, refers to the train's stop positions."""
    return Booking.objects.filter(train=train).exists()


def train_highest_seat_held(*, train: Train) -> int:
    """Return the highest seat number held on any leg of the train, or 0 when none is."""
    held = Seat.objects.filter(train=train).exclude(sold_legs=0)
    return held.aggregate(highest=Max("number"))["highest"] or 0


@dataclass(frozen=True)
class LegOccupancy:
    origin: str
    destination: str
    sold: int
    total: int


def _seats_sold_per_leg(*, train: Train, journey_dates: list[dt.date]) -> dict[dt.date, Counter[int]]:
    """Return, for each of the train's journeys on `journey_dates`, the seats sold on each leg."""
    # From the seats held (one row per seat of a confirmed booking), not the seat masks: they
    # are the same count, but they outlive a finished journey's masks (purge_finished_journeys).
    sold_on_leg: dict[dt.date, Counter[int]] = {journey_date: Counter() for journey_date in journey_dates}
    held = BookingSeat.objects.filter(train=train, journey_date__in=journey_dates).values_list(
        "journey_date", "from_position", "to_position"
    )
    for journey_date, from_position, to_position in held:
        sold_on_leg[journey_date].update(range(from_position, to_position))
    return sold_on_leg


def train_leg_occupancy(*, train: Train, journey_date: dt.date) -> list[LegOccupancy]:
    """Return, leg by leg along the route, how many of the journey's seats are sold right now."""
    sold_on_leg = _seats_sold_per_leg(train=train, journey_dates=[journey_date])[journey_date]
    route = list(
        Stop.objects.filter(train=train).order_by("position").values_list("station__name", flat=True)
    )
    return [
        LegOccupancy(origin=origin, destination=destination, sold=sold_on_leg[leg], total=train.total_seats)
        for leg, (origin, destination) in enumerate(itertools.pairwise(route))
    ]


def journeys_busiest_leg_sold(*, train: Train, journey_dates: list[dt.date]) -> dict[dt.date, int]:
    """Return, for each of the train's journeys on `journey_dates`, the most seats sold on one leg."""
    return {
        journey_date: max(legs.values(), default=0)
        for journey_date, legs in _seats_sold_per_leg(train=train, journey_dates=journey_dates).items()
    }


def journey_confirmed_bookings(*, train: Train, journey_date: dt.date) -> int:
    """Return how many confirmed bookings ride the train's journey starting on `journey_date`."""
    return Booking.objects.filter(
        train=train, journey_date=journey_date, status=Booking.Status.CONFIRMED
    ).count()


def trains_with_occupancy(*, trains: QuerySet[Train]) -> QuerySet[Train]:
    """Return the trains annotated with their ends, stop count, confirmed bookings and busiest leg.

    The busiest leg is the leg with the most seats sold on one journey, over all journeys.

    Every figure is a correlated subquery, so a list of trains costs one query however
    many stops, bookings or sold seats they have.
    """
    # Seats sold on one leg of the journey where it sells most: those whose mask has the bit
    # of the stop the leg starts from, counted per journey.
    sold_on_leg = (
        Seat.objects.filter(train=OuterRef("train"))
        .annotate(
            on_leg=ExpressionWrapper(
                F("sold_legs").bitrightshift(OuterRef("position")).bitand(1), output_field=BigIntegerField()
            )
        )
        .filter(on_leg=1)
        .values("journey_date")
        .annotate(count=Count("*"))
        .order_by("-count")
        .values("count")[:1]
    )
    busiest_leg = (
        Stop.objects.filter(train=OuterRef("pk"))
        .annotate(sold=Coalesce(Subquery(sold_on_leg, output_field=IntegerField()), Value(0)))
        .order_by("-sold")
        .values("sold")[:1]
    )
    confirmed = (
        Booking.objects.filter(train=OuterRef("pk"), status=Booking.Status.CONFIRMED)
        .order_by()
        .values("train")
        .annotate(count=Count("id"))
        .values("count")
    )
    stop_count = (
        Stop.objects.filter(train=OuterRef("pk"))
        .order_by()
        .values("train")
        .annotate(count=Count("id"))
        .values("count")
    )
    first_stop = Stop.objects.filter(train=OuterRef("pk")).order_by("position").values("station__name")[:1]
    last_stop = Stop.objects.filter(train=OuterRef("pk")).order_by("-position").values("station__name")[:1]
    return trains.annotate(
        source_name=Subquery(first_stop),
        destination_name=Subquery(last_stop),
        stop_count=Coalesce(Subquery(stop_count, output_field=IntegerField()), Value(0)),
        confirmed_bookings=Coalesce(Subquery(confirmed, output_field=IntegerField()), Value(0)),
        busiest_leg_sold=Coalesce(Subquery(busiest_leg, output_field=IntegerField()), Value(0)),
    )
