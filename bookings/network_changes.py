"""Changes to trains that may already be on sale: their seat count, their route, their finished journeys.

They live here, beside the seat inventory, because each must wait for the sales in flight,
hold off new ones and keep every journey's seats in step.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions

from bookings import inventory, waitlist
from bookings.journey_events import journey_settle_now
from bookings.models import Booking, Journey
from bookings.selectors import train_has_bookings, train_highest_seat_held
from trains.coach_plans import CoachPlan
from trains.fares import FarePlan
from trains.models import Stop, Train
from trains.selectors import RouteEntry, route_entry_station_id, train_journey_days
from trains.services import StopTimes, train_route_replace, train_seating_set


def train_lock_for_change(*, train: Train) -> None:
    """Lock the train and every journey of it, before its route or seat count changes.

    The journeys' locks wait for the sales in flight and hold off new ones; the train's lock
    holds off the creation of a journey, which takes a share lock on the train
    (bookings.inventory). Sales on existing journeys never wait for the train.
    """
    Train.objects.select_for_update(no_key=True).filter(pk=train.pk).values_list("pk").get()
    journeys = Journey.objects.select_for_update(no_key=True).filter(train=train).order_by("date")
    list(journeys.values_list("date", flat=True))


def route_change_validate(*, train: Train, stops: list[RouteEntry]) -> None:
    """Raise a ValidationError if `stops` differs from the train's route and the route may no longer change.

    Bookings, cancelled ones included, record stop positions, so once a train has any its
    stops are fixed.
    """
    current = Stop.objects.filter(train=train).order_by("position").values_list("station_id", flat=True)
    if list(current) == [route_entry_station_id(entry) for entry in stops]:
        return
    if train_has_bookings(train=train):
        raise exceptions.ValidationError(
            {"stops": ["This train has bookings, so its stops can no longer be changed or deleted."]}
        )


def total_seats_change_validate(*, train: Train, total_seats: int) -> None:
    """Raise a ValidationError if `total_seats` would leave a seat sold on any journey outside the train."""
    highest = train_highest_seat_held(train=train)
    if total_seats < highest:
        raise exceptions.ValidationError(
            {"total_seats": [f"Seat {highest} is sold; the train needs at least {highest} seats."]}
        )


def train_update(
    *,
    train: Train,
    train_number: int,
    name: str,
    total_seats: int,
    coaches: list[CoachPlan] | None = None,
    fares: list[FarePlan] | None = None,
) -> Train:
    """Change a train's number, name, seat count, coaches or fares, never below a seat that is sold.

    The coaches hold the seats (trains.services.train_seating_set): without `coaches`, a train
    with the default GEN coaches has them resized, and any other keeps its coaches, so that its
    seat count changes only with them.
    """
    with transaction.atomic():
        # No seat can be sold while we check.
        train_lock_for_change(train=train)
        total_seats_change_validate(train=train, total_seats=total_seats)
        current = Train.objects.get(pk=train.pk)
        train_seating_set(train=current, total_seats=total_seats, coaches=coaches, fares=fares)
        inventory.train_seats_resize(train=current, total_seats=total_seats)
        train.train_number, train.name, train.total_seats = train_number, name.strip(), total_seats
        train.save(update_fields=["train_number", "name", "total_seats"])
        # Seats added or moved between classes may seat bookings waiting, in the same transaction.
        waiting_on = (
            Booking.objects.filter(train=train, status=Booking.Status.WAITLISTED)
            .order_by("journey_date")
            .values_list("journey_date", flat=True)
            .distinct()
        )
        for journey_date in waiting_on:
            waitlist.waitlist_serve(
                train_id=train.pk, journey_date=journey_date, at=timezone.now(), freed=None
            )
    return train


def train_route_change(
    *, train: Train, stops: list[RouteEntry], times: list[StopTimes] | None = None
) -> list[Stop]:
    """Replace the train's stops (trains.services.train_route_replace) unless bookings fix them.

    The times may change whenever, since bookings record stop positions, not times.
    """
    with transaction.atomic():
        # No booking can start on the old route.
        train_lock_for_change(train=train)
        route_change_validate(train=train, stops=stops)
        return train_route_replace(train=train, stops=stops, times=times)


def finished_journeys_purge(*, finished_before: datetime.date) -> int:
    """Delete the journeys that reached their last station before `finished_before`, with their seats.

    Return how many journeys went. Nobody can board such a journey any more (the booking window
    starts today, and `finished_before` must not be after today), so a sale never reads its free
    seats again; its bookings keep their journey date and the seats they held (BookingSeat
    rows). Without this, free seats would grow by a train's seat count for every date booked.
    """
    purged = 0
    days_of: dict[int, int] = {}
    candidates = Journey.objects.filter(date__lt=finished_before).select_related("train").order_by("date")
    for journey in candidates:
        if journey.train_id not in days_of:
            days_of[journey.train_id] = train_journey_days(train=journey.train)
        if journey.date + datetime.timedelta(days=days_of[journey.train_id]) >= finished_before:
            continue
        # Its holds lapse and its chart comes first, as they would have at their time: once the
        # journey is gone, nothing could bring them about.
        journey_settle_now(train_id=journey.train_id, journey_date=journey.date, now=timezone.now())
        # One journey per transaction, so that no lock is held for long.
        inventory.journey_delete(journey=journey)
        purged += 1
    return purged
