"""Reads on bookings and seat inventory."""

import itertools
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from bookings.models import Booking, SeatLeg
from trains.models import Station, Stop, Train, station_key


def _station_name_at(position_field: str) -> Subquery:
    return Subquery(
        Stop.objects.filter(train=OuterRef("train"), position=OuterRef(position_field)).values(
            "station__name"
        )[:1]
    )


def bookings_with_stations(*, bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Return the bookings with their train and the names of their boarding and alighting stations."""
    return bookings.select_related("train").annotate(
        source_name=_station_name_at("from_position"),
        destination_name=_station_name_at("to_position"),
    )


def bookings_of_user(*, user_id: int) -> QuerySet[Booking]:
    """Return the user's bookings, newest first, cancelled ones included, with station names."""
    return bookings_with_stations(bookings=Booking.objects.filter(user_id=user_id)).order_by(
        "-created_at", "-id"
    )


def booking_with_stations(*, booking_id: int) -> Booking:
    """Return one booking with the names of its boarding and alighting stations."""
    return bookings_with_stations(bookings=Booking.objects.filter(pk=booking_id)).get()


def trains_between(*, source: str, destination: str) -> QuerySet[Stop]:
    """Return, by train number, each train calling at `source` and later at `destination`.

    Each row is the train's stop at `source`, annotated with the train's own ends and
    `available_seats`: seats free on every leg from source to destination, which is
    exactly what a booking of that segment could get right now.
    """
    origin = Station.objects.filter(key=station_key(source)).first()
    target = Station.objects.filter(key=station_key(destination)).first()
    if origin is None or target is None or origin.pk == target.pk:
        return Stop.objects.none()
    alighting = Stop.objects.filter(train=OuterRef("train"), station=target).values("position")[:1]
    sold_seats = (
        SeatLeg.objects.filter(
            train=OuterRef("train"),
            leg__gte=OuterRef("position"),
            leg__lt=OuterRef("alight_position"),
        )
        .order_by()
        .values("train")
        .annotate(seats=Count("seat_number", distinct=True))
        .values("seats")
    )
    first_stop = Stop.objects.filter(train=OuterRef("train")).order_by("position").values("station__name")[:1]
    last_stop = Stop.objects.filter(train=OuterRef("train")).order_by("-position").values("station__name")[:1]
    return (
        Stop.objects.filter(station=origin)
        .annotate(alight_position=Subquery(alighting, output_field=IntegerField()))
        .filter(alight_position__gt=F("position"))
        .select_related("train")
        .annotate(
            sold=Coalesce(Subquery(sold_seats, output_field=IntegerField()), Value(0)),
            train_source=Subquery(first_stop),
            train_destination=Subquery(last_stop),
        )
        .order_by("train__train_number")
    )


def train_has_bookings(*, train: Train) -> bool:
    """Return whether any booking, confirmed or cancelled, refers to the train's stop positions."""
    return Booking.objects.filter(train=train).exists()


def train_highest_seat_held(*, train: Train) -> int:
    """Return the highest seat number held on any leg of the train, or 0 when none is."""
    return SeatLeg.objects.filter(train=train).aggregate(highest=Max("seat_number"))["highest"] or 0


@dataclass(frozen=True)
class LegOccupancy:
    origin: str
    destination: str
    sold: int
    total: int

    def __str__(self) -> str:
        return f"Leg {self.origin} → {self.destination}: {self.sold}/{self.total} sold"


def train_leg_occupancy(*, train: Train) -> list[LegOccupancy]:
    """Return, leg by leg along the route, how many of the train's seats are sold right now."""
    sold_by_leg = dict(
        SeatLeg.objects.filter(train=train)
        .order_by()
        .values("leg")
        .annotate(sold=Count("id"))
        .values_list("leg", "sold")
    )
    route = list(
        Stop.objects.filter(train=train).order_by("position").values_list("station__name", flat=True)
    )
    return [
        LegOccupancy(
            origin=origin, destination=destination, sold=sold_by_leg.get(leg, 0), total=train.total_seats
        )
        for leg, (origin, destination) in enumerate(itertools.pairwise(route))
    ]


def trains_with_occupancy(*, trains: QuerySet[Train]) -> QuerySet[Train]:
    """Return the trains annotated with their ends, stop count, confirmed bookings and busiest leg.

    Every figure is a correlated subquery, so a list of trains costs one query however
    many stops, bookings or sold seats they have.
    """
    busiest_leg = (
        SeatLeg.objects.filter(train=OuterRef("pk"))
        .order_by()
        .values("leg")
        .annotate(sold=Count("id"))
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
