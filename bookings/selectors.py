"""Reads on bookings and seat inventory."""

import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Count, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.models import Booking, BookingSeat, Journey, Passenger
from railway.errors import Invalid
from railway.pagination import page_split
from trains.fares import class_fare, segment_km
from trains.models import ServiceException, Stop, Train
from trains.selectors import (
    TrainSeating,
    date_value,
    decimal_value,
    duration_value,
    stations_resolve,
    stop_offset,
    time_value,
    timetable_starts_on,
    trains_seating,
)
from trains.time_zones import in_zone, journey_start, local_date, time_of_day


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


@dataclass(frozen=True)
class BookingPage:
    """A page of bookings as rows of BOOKING_ROW_FIELDS, and the position of its last row when more follow."""

    rows: list[dict]
    next_before: tuple[datetime, int] | None


def api_timestamp(moment: datetime) -> str:
    """Return `moment` as the API writes timestamps: ISO 8601 in UTC, "Z" for the offset.

    What serializers.DateTimeField(default_timezone=UTC) renders, without its per-value
    time-zone lookups, which cost more than the rest of a row on a page of bookings.
    """
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# What a page row is read from, for bookings.apis.booking_output().
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
    "pnr",
    "travel_class",
    "fare_total",
    "refund_total",
    "currency",
    "train_id",
    "cancel_reason",
    "expires_at",
    "hold_limit_at",
    "payment_reference",
)


def booking_page(*, user_id: int, limit: int, before: tuple[datetime, int] | None = None) -> BookingPage:
    """Return the page of bookings_of_user(user_id, before) of `limit` rows, as plain rows."""
    rows = list(bookings_of_user(user_id=user_id, before=before).values(*BOOKING_ROW_FIELDS)[: limit + 1])
    rows, more = page_split(rows, limit=limit)
    passengers: dict[int, list[Passenger]] = {row["id"]: [] for row in rows}
    # The page's passengers in one query, in order (Passenger.Meta.ordering).
    for passenger in Passenger.objects.filter(booking_id__in=list(passengers)):
        passengers[passenger.booking_id].append(passenger)
    for row in rows:
        row["passengers"] = passengers[row["id"]]
        row["waitlist_position"] = (
            waitlist_position(
                booking_id=row["id"],
                train_id=row["train_id"],
                journey_date=row["journey_date"],
                travel_class=row["travel_class"],
            )
            if row["status"] == Booking.Status.WAITLISTED
            else None
        )
    return BookingPage(rows=rows, next_before=(rows[-1]["created_at"], rows[-1]["id"]) if more else None)


def booking_row(booking: Booking, passengers: list[Passenger] | None = None) -> dict:
    """Return a booking with its train and station names as a row of BOOKING_ROW_FIELDS, with its
    `passengers` (default: read from the booking)."""
    return {
        "passengers": list(booking.passengers.all()) if passengers is None else passengers,
        "id": booking.pk,
        "train__train_number": booking.train.train_number,
        "journey_date": booking.journey_date,
        "user_id": booking.user_id,
        "source_name": booking.source_name,
        "destination_name": booking.destination_name,
        "seat_count": booking.seat_count,
        "seat_numbers": booking.seat_numbers,
        "status": booking.status,
        "created_at": booking.created_at,
        "pnr": booking.pnr,
        "travel_class": booking.travel_class,
        "fare_total": booking.fare_total,
        "refund_total": booking.refund_total,
        "currency": booking.currency,
        "train_id": booking.train_id,
        "cancel_reason": booking.cancel_reason,
        "expires_at": booking.expires_at,
        "hold_limit_at": booking.hold_limit_at,
        "payment_reference": booking.payment_reference,
        "waitlist_position": (
            waitlist_position(
                booking_id=booking.pk,
                train_id=booking.train_id,
                journey_date=booking.journey_date,
                travel_class=booking.travel_class,
            )
            if booking.status == Booking.Status.WAITLISTED
            else None
        ),
    }


def waitlist_position(*, booking_id: int, train_id: int, journey_date: dt.date, travel_class: str) -> int:
    """Return the place of a waiting booking among its journey's and class's, from 1, in order of arrival."""
    return Booking.objects.filter(
        train_id=train_id,
        journey_date=journey_date,
        travel_class=travel_class,
        status=Booking.Status.WAITLISTED,
        id__lte=booking_id,
    ).count()


def booking_of_pnr(*, pnr: str) -> Booking | None:
    """Return the booking of a PNR with its train, its stations' names and its passengers; None if none."""
    bookings = bookings_with_stations(bookings=Booking.objects.filter(pnr=pnr)).prefetch_related("passengers")
    return bookings.first()


@dataclass(frozen=True)
class ClassAvailability:
    travel_class: str
    # The seats of the class's coaches free on every leg of the segment asked for.
    available_seats: int
    # What one passenger pays to ride the segment in this class.
    fare: Decimal


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
    # destination, each in its station's time zone.
    departure: datetime
    arrival: datetime
    # The train's classes in its coaches' order (the one asked for, when the search names one).
    classes: list[ClassAvailability]
    # Not in the answer: the train's id, and whether a hold on the journey had ended when the seats
    # were counted, which then counted its seats as taken (bookings.services.trains_between_now).
    train_id: int = 0
    holds_ended: bool = False


class AfterTrainNotListed(Invalid):
    """`after` names a train that is not in the answer, so there is no place to continue from."""

    def __init__(self, *, train_number: int, journey_date: dt.date) -> None:
        super().__init__(
            f"Train {train_number} is not among the trains of this search on "
            f"{journey_date.isoformat()}: pass the train_number of a row of the previous page, "
            "as the Link header does, or leave `after` out to start again.",
            code="after_not_listed",
            field="after",
        )


def trains_between(
    *,
    source: str,
    destination: str,
    journey_date: dt.date | None = None,
    after_train_number: int = 0,
    limit: int = 200,
    travel_class: str | None = None,
) -> list[TrainAvailability]:
    """Return up to `limit` trains calling at `source` and later at `destination`, by departure.

    `journey_date` is the date at `source` the passenger leaves it, by default today there: a
    train that left its first station the evening before is found on the date it calls at
    `source`. Each row names that journey (`journey_date`, the train's start date, a date at its
    first station) and says when the train leaves `source` and reaches `destination`, each in
    its station's time zone; rows come by that departure, then by train number.
    `available_seats` counts the journey's seats free on every leg from source to destination:
    exactly what a booking of that segment could get now; `classes` splits it by class, each
    with its fare for the segment. With `travel_class`, only the trains having that class are
    returned, each with that class alone.

    With `after_train_number`, only the trains after that one in this order are returned, and
    AfterTrainNotListed is raised when it is not in the answer. The search reads from the
    database the routers choose for it: a replica, where one is configured.
    """
    return trains_between_on(
        database=router.db_for_read(Train, availability_search=True),
        source=source,
        destination=destination,
        journey_date=journey_date,
        after_train_number=after_train_number,
        limit=limit,
        travel_class=travel_class,
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


# The trains calling at the source and later at the destination, with their timetables and the
# ends of their routes: from the source station's stops (index stop_station_lookup) to the same
# trains' stops at the destination, so that only trains calling at the source are read. Withdrawn
# trains are left out; of a number's variants, those not running on the date fall out with their
# dates (starts_on_its_date). A SQL text, the same on both databases: composing it with the ORM
# cost more than running it.
_CALLS = """
SELECT boarding.train_id, train.train_number, train.name, train.total_seats, train.departs_at,
       train.runs_on, train.service_from, train.service_until,
       boarding.position, boarding.arrival, boarding.departure, boarding.distance_km,
       alighting.position, alighting.arrival, alighting.departure, alighting.distance_km,
       (SELECT station.name FROM trains_stop stop JOIN trains_station station ON station.id = stop.station_id
         WHERE stop.train_id = boarding.train_id ORDER BY stop.position LIMIT 1),
       (SELECT station.name FROM trains_stop stop JOIN trains_station station ON station.id = stop.station_id
         WHERE stop.train_id = boarding.train_id ORDER BY stop.position DESC LIMIT 1),
       (SELECT station.time_zone
          FROM trains_stop stop JOIN trains_station station ON station.id = stop.station_id
         WHERE stop.train_id = boarding.train_id AND stop.position = 0),
       origin.time_zone, target.time_zone
  FROM trains_station origin
  JOIN trains_stop boarding ON boarding.station_id = origin.id
  JOIN trains_stop alighting
    ON alighting.train_id = boarding.train_id AND alighting.position > boarding.position
  JOIN trains_station target ON target.id = alighting.station_id
  JOIN trains_train train ON train.id = boarding.train_id
 WHERE origin.id = %s AND target.id = %s AND train.withdrawn_at IS NULL
"""
# With a class asked for: only the trains having a coach of that class (index coach_unique_position).
_CALLS_OF_CLASS = (
    _CALLS  # noqa: S608 (a constant text: the class is a parameter)
    + "   AND EXISTS (SELECT 1 FROM trains_coach coach\n"
    + "                WHERE coach.train_id = train.id AND coach.travel_class = %s)\n"
)
CALL_FIELDS = (
    "train_id",
    "train__train_number",
    "train__name",
    "train__total_seats",
    "train__departs_at",
    "train__runs_on",
    "train__service_from",
    "train__service_until",
    "boarding_position",
    "boarding_arrival",
    "boarding_departure",
    "boarding_distance_km",
    "alighting_position",
    "alighting_arrival",
    "alighting_departure",
    "alighting_distance_km",
    "route_source",
    "route_destination",
    "route_source_time_zone",
    "source_time_zone",
    "destination_time_zone",
)


DAY = dt.timedelta(days=1)


def _date_the_call(call: dict, *, journey_date: dt.date) -> None:
    """Give a call its journey leaving the source on `journey_date` (the date there): its start date
    (None when no journey leaves the source on that date), its departure from the source and its
    arrival at the destination, each in its station's time zone."""
    departs_at, origin_time_zone = call["train__departs_at"], call["route_source_time_zone"]
    leaves = stop_offset(call["boarding_departure"], call["boarding_arrival"])
    arrives = stop_offset(call["alighting_arrival"], call["alighting_departure"])
    # As if the source kept the first station's clock; one step corrects it where it does not.
    start_date = journey_date - dt.timedelta(days=(time_of_day(departs_at) + leaves) // DAY)
    for _ in range(2):
        start = journey_start(journey_date=start_date, departs_at=departs_at, time_zone=origin_time_zone)
        departure = in_zone(start + leaves, call["source_time_zone"])
        days_off = (journey_date - departure.date()).days
        if days_off == 0:
            call.update(
                start_date=start_date,
                departure=departure,
                arrival=in_zone(start + arrives, call["destination_time_zone"]),
            )
            return
        start_date += dt.timedelta(days=days_off)
    call["start_date"] = None


def trains_between_on(
    *,
    database: str = DEFAULT_DB_ALIAS,
    source: str,
    destination: str,
    journey_date: dt.date | None,
    after_train_number: int = 0,
    limit: int = 200,
    travel_class: str | None = None,
) -> list[TrainAvailability]:
    """Return the rows of trains_between from the database `database`, dated and ordered here.

    Six queries at most: the stations asked for (trains.selectors.stations_resolve: a code or
    a name each; StationAmbiguous for a name several stations have), the trains calling at both
    (of them, those having `travel_class`, when given), the exceptions of their start dates, the
    page's trains' classes with their fares, and the page's journeys and their seats free on the
    segments asked for, by class. A station that does not exist has no trains.
    """
    stations = stations_resolve(stations={"source": source, "destination": destination}, database=database)
    dated = []
    if stations["source"] is not None and stations["destination"] is not None:
        with connections[database].cursor() as cursor:
            if travel_class is None:
                cursor.execute(_CALLS, [stations["source"], stations["destination"]])
            else:
                cursor.execute(_CALLS_OF_CLASS, [stations["source"], stations["destination"], travel_class])
            dated = [dict(zip(CALL_FIELDS, row, strict=True)) for row in cursor.fetchall()]
    if journey_date is None:
        # Today where the passenger boards: every row boards at the one station asked for.
        journey_date = (
            local_date(timezone.now(), dated[0]["source_time_zone"]) if dated else timezone.localdate()
        )
    for call in dated:
        call["train__departs_at"] = time_value(call["train__departs_at"])
        call["train__service_from"] = date_value(call["train__service_from"])
        call["train__service_until"] = date_value(call["train__service_until"])
        for field in ("boarding_arrival", "boarding_departure", "alighting_arrival", "alighting_departure"):
            call[field] = duration_value(call[field])
        _date_the_call(call, journey_date=journey_date)
    # A call that leaves the source on no journey on that date: a date the clocks change may skip it.
    dated = [call for call in dated if call["start_date"] is not None]
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
        # From the `after` train on, that train included: _rows_after checks it came first.
        running = running[numbers.index(after_train_number) :] if after_train_number in numbers else []
        limit += 1
    page = running[:limit]

    seating = trains_seating(database=database, train_ids={call["train_id"] for call in page})
    holds_ended: set[tuple[int, dt.date]] = set()
    free = seats_free_on_journeys(
        database=database,
        segments={
            (call["train_id"], call["start_date"]): (call["boarding_position"], call["alighting_position"])
            for call in page
        },
        seat_classes={train_id: train.seat_classes for train_id, train in seating.items()},
        holds_ended=holds_ended,
    )
    rows = [
        _train_availability(
            call,
            seating=seating.get(call["train_id"], TrainSeating(classes=[], seat_classes=[], fares={})),
            free=free.get((call["train_id"], call["start_date"])),
            travel_class=travel_class,
            holds_ended=(call["train_id"], call["start_date"]) in holds_ended,
        )
        for call in page
    ]
    return _rows_after(rows, after_train_number=after_train_number, journey_date=journey_date)


def _train_availability(
    call: dict,
    *,
    seating: TrainSeating,
    free: dict[int, int] | None,
    travel_class: str | None,
    holds_ended: bool = False,
) -> TrainAvailability:
    """Return a dated call's row, with its seats free (None: its journey is not open) by class."""
    km = segment_km(
        boarding_km=decimal_value(call["boarding_distance_km"]),
        alighting_km=decimal_value(call["alighting_distance_km"]),
    )
    classes = []
    for index, seat_class in enumerate(seating.classes):
        if travel_class is not None and seat_class.travel_class != travel_class:
            continue
        classes.append(
            ClassAvailability(
                travel_class=seat_class.travel_class,
                available_seats=seat_class.seats if free is None else free.get(index, 0),
                fare=class_fare(fares=seating.fares, travel_class=seat_class.travel_class, km=km),
            )
        )
    return TrainAvailability(
        train_number=call["train__train_number"],
        name=call["train__name"],
        source=call["route_source"],
        destination=call["route_destination"],
        total_seats=call["train__total_seats"],
        available_seats=call["train__total_seats"] if free is None else sum(free.values()),
        journey_date=call["start_date"],
        departure=call["departure"],
        arrival=call["arrival"],
        classes=classes,
        train_id=call["train_id"],
        holds_ended=holds_ended,
    )


def train_has_bookings(*, train: Train) -> bool:
    """Return whether any booking, confirmed or cancelled, refers to the train's stop positions."""
    return Booking.objects.filter(train=train).exists()


def train_highest_seat_held(*, train: Train) -> int:
    """Return the highest seat number held on any leg of any open journey of the train, or 0 when none is."""
    open_dates = Journey.objects.filter(train=train).values("date")
    held = BookingSeat.objects.filter(train=train, journey_date__in=open_dates)
    return held.aggregate(highest=Max("seat_number"))["highest"] or 0


def seats_free_on_journeys(
    *,
    database: str = DEFAULT_DB_ALIAS,
    segments: dict[tuple[int, dt.date], tuple[int, int]],
    seat_classes: dict[int, list[tuple[int, int, int]]],
    holds_ended: set[tuple[int, dt.date]] | None = None,
) -> dict[tuple[int, dt.date], dict[int, int]]:
    """Return, for each open journey (train id, date) of `segments`, its seats free on its segment
    by class: {index of the class: seats}.

    `seat_classes` gives each train's (index of the class, first, last seat number) ranges, as
    TrainSeating.seat_classes: every seat of a train is in one of them, as every seat is in a
    coach. A journey not open yet (no booking ever) is missing from the answer: all its seats
    are free. The journeys with a hold that has ended, whose seats are free but counted taken,
    are added to `holds_ended`.
    """
    if not segments:
        return {}
    # SQL texts, the same on both databases: composing them with the ORM cost more than running them.
    journeys = " OR ".join(["(train_id = %s AND date = %s)"] * len(segments))
    with connections[database].cursor() as cursor:
        cursor.execute(
            "SELECT train_id, date, EXISTS (SELECT 1 FROM bookings_booking booking"  # noqa: S608
            " WHERE booking.train_id = journey.train_id AND booking.journey_date = journey.date"
            " AND booking.status = 'held' AND booking.expires_at <= %s)"
            f" FROM bookings_journey journey WHERE {journeys}",
            [
                connections[database].ops.adapt_datetimefield_value(timezone.now()),
                *(value for journey in segments for value in journey),
            ],
        )
        free: dict[tuple[int, dt.date], dict[int, int]] = {}
        for train_id, day, ended in cursor.fetchall():
            free[(train_id, date_value(day))] = {}
            if ended and holds_ended is not None:
                holds_ended.add((train_id, date_value(day)))
        # Counted by class in the same query: one VALUES row per (journey, seat-number range of a
        # class), each counting the free stretches that lie in its range and cover its segment by
        # a range scan of the primary key (train, journey_date, seat_number, ...); no sort, no
        # grouping of the stretches.
        ranges = [
            (train_id, journey_date, *segments[(train_id, journey_date)], first, last, index)
            for train_id, journey_date in free
            for index, first, last in seat_classes.get(train_id, [])
        ]
        if not ranges:
            return free
        cursor.execute(
            "SELECT seat_range.column1, seat_range.column2, seat_range.column7,"  # noqa: S608
            " (SELECT COUNT(*) FROM bookings_freestretch stretch"
            "   WHERE stretch.train_id = seat_range.column1 AND stretch.journey_date = seat_range.column2"
            "     AND stretch.seat_number BETWEEN seat_range.column5 AND seat_range.column6"
            "     AND stretch.from_position <= seat_range.column3"
            "     AND stretch.to_position >= seat_range.column4)"
            " FROM (VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(ranges)) + ") seat_range",
            [value for seat_range in ranges for value in seat_range],
        )
        for train_id, journey_date, class_index, count in cursor.fetchall():
            seats = free[(train_id, date_value(journey_date))]
            # Two runs of coaches of one class add up.
            seats[class_index] = seats.get(class_index, 0) + count
    return free


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


def journey_holds(*, train: Train, journey_date: dt.date) -> QuerySet[Booking]:
    """Return the holds on the train's journey starting on `journey_date`, soonest to end first, with their
    station names and `passengers_left`, the passengers still on each."""
    return (
        bookings_with_stations(
            bookings=Booking.objects.filter(
                train=train, journey_date=journey_date, status=Booking.Status.HELD
            )
        )
        .annotate(passengers_left=F("seat_count") - F("seats_cancelled"))
        .order_by("expires_at", "id")
    )


@dataclass(frozen=True)
class WaitingBooking:
    # The booking's place among its journey's and class's waiting bookings, from 1 (waitlist_position).
    position: int
    booking: Booking


def journey_waitlist(*, train: Train, journey_date: dt.date) -> list[WaitingBooking]:
    """Return the bookings waiting on the train's journey starting on `journey_date`, class by class in
    order of arrival, with their places, station names and `passengers_left`. One query."""
    waiting = (
        bookings_with_stations(
            bookings=Booking.objects.filter(
                train=train, journey_date=journey_date, status=Booking.Status.WAITLISTED
            )
        )
        .annotate(passengers_left=F("seat_count") - F("seats_cancelled"))
        .order_by("travel_class", "id")
    )
    places: Counter[str] = Counter()
    listed = []
    for booking in waiting:
        places[booking.travel_class] += 1
        listed.append(WaitingBooking(position=places[booking.travel_class], booking=booking))
    return listed


def trains_with_occupancy(*, trains: QuerySet[Train]) -> QuerySet[Train]:
    """Return the trains annotated with their ends, stop count, confirmed bookings and busiest leg.

    The busiest leg is the leg with the most seats sold on one journey, over all journeys.

    Every figure is a correlated subquery, so a list of trains costs one query however
    many stops, bookings or sold seats they have.
    """
    # Seats sold on one leg of the journey where it sells most: the seats held on a segment
    # that rides the leg starting at the stop, counted per journey.
    sold_on_leg = (
        BookingSeat.objects.filter(
            train=OuterRef("train"),
            from_position__lte=OuterRef("position"),
            to_position__gt=OuterRef("position"),
        )
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
