"""Reads on bookings and seat inventory."""

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from bookings.models import Booking, SeatLeg
from trains.models import Station, Stop, station_key


def _station_name_at(position_field: str) -> Subquery:
    return Subquery(
        Stop.objects.filter(train=OuterRef("train"), position=OuterRef(position_field)).values(
            "station__name"
        )[:1]
    )


def _with_stations(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    return bookings.select_related("train").annotate(
        source_name=_station_name_at("from_position"),
        destination_name=_station_name_at("to_position"),
    )


def bookings_of_user(*, user_id: int) -> QuerySet[Booking]:
    """Return the user's bookings, newest first, cancelled ones included, with station names."""
    return _with_stations(Booking.objects.filter(user_id=user_id)).order_by("-created_at", "-id")


def booking_with_stations(*, booking_id: int) -> Booking:
    """Return one booking with the names of its boarding and alighting stations."""
    return _with_stations(Booking.objects.filter(pk=booking_id)).get()


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
