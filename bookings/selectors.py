"""Reads on bookings and seat inventory."""

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, connections, router
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

from bookings.models import Booking, BookingSeat
from railway.pagination import page_split
from railway.prepared import execute_prepared
from trains.models import Seat, Stop, Train, station_key


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
    source: str
    destination: str
    total_seats: int
    available_seats: int


# From the source station's stops (index stop_station_lookup) to the same trains' stops at
# the destination, so only trains calling at the source are read, never the whole network.
# A seat is free on the segment when its mask of sold legs has none of the legs
# boarding..alighting-1: (-1 << boarding) & ~(-1 << alighting), written without
# arithmetic so that no leg number can overflow a signed 64-bit integer.
_TRAINS_BETWEEN_SQL = """
SELECT train.train_number, train.name, train.total_seats,
    (SELECT station.name FROM trains_stop stop
       JOIN trains_station station ON station.id = stop.station_id
      WHERE stop.train_id = train.id ORDER BY stop.position LIMIT 1),
    (SELECT station.name FROM trains_stop stop
       JOIN trains_station station ON station.id = stop.station_id
      WHERE stop.train_id = train.id ORDER BY stop.position DESC LIMIT 1),
    train.total_seats - (SELECT COUNT(*) FROM trains_seat seat
      WHERE seat.train_id = train.id AND seat.journey_date = %s
        AND (seat.sold_legs & (CAST(-1 AS BIGINT) << boarding.position)
             & ~(CAST(-1 AS BIGINT) << alighting.position)) <> 0)
FROM trains_station origin
JOIN trains_stop boarding ON boarding.station_id = origin.id
JOIN trains_stop alighting
  ON alighting.train_id = boarding.train_id AND alighting.position > boarding.position
JOIN trains_station target ON target.id = alighting.station_id
JOIN trains_train train ON train.id = boarding.train_id
WHERE origin.key = %s AND target.key = %s AND train.train_number > %s
ORDER BY train.train_number
LIMIT %s
"""


def trains_between(
    *, source: str, destination: str, after_train_number: int = 0, limit: int = 200
) -> list[TrainAvailability]:
    """Return, by train number, up to `limit` trains calling at `source` and later at `destination`.

    `available_seats` counts the seats free on every leg from source to destination, read
    from the seats' sold-leg masks: exactly what a booking of that segment could get now.
    Only trains numbered above `after_train_number` are returned. One query, whose cost
    grows with the trains calling at `source`, not with the size of the network. It reads
    from the database the routers choose for the search: a replica, where one is configured.
    """
    database = router.db_for_read(Train, availability_search=True)
    with connections[database].cursor() as cursor:
        execute_prepared(
            cursor,
            "bookings_trains_between",
            _TRAINS_BETWEEN_SQL,
            [timezone.localdate(), station_key(source), station_key(destination), after_train_number, limit],
        )
        return [
            TrainAvailability(
                train_number=train_number,
                name=name,
                source=train_source,
                destination=train_destination,
                total_seats=total_seats,
                available_seats=available_seats,
            )
            for train_number, name, total_seats, train_source, train_destination, available_seats in (
                cursor.fetchall()
            )
        ]


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


def train_leg_occupancy(*, train: Train, journey_date: dt.date) -> list[LegOccupancy]:
    """Return, leg by leg along the route, how many of the journey's seats are sold right now."""
    # From the seats held (one row per seat of a confirmed booking), not the seat masks: they
    # are the same count, but they outlive a finished journey's masks (purge_finished_journeys).
    held = BookingSeat.objects.filter(train=train, journey_date=journey_date)
    segments = list(held.values_list("from_position", "to_position"))
    route = list(
        Stop.objects.filter(train=train).order_by("position").values_list("station__name", flat=True)
    )
    return [
        LegOccupancy(
            origin=origin,
            destination=destination,
            sold=sum(1 for from_position, to_position in segments if from_position <= leg < to_position),
            total=train.total_seats,
        )
        for leg, (origin, destination) in enumerate(itertools.pairwise(route))
    ]


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
