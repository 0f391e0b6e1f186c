"""The seat engine: selling and cancelling seats on segments of a train's route.

Locking contract
----------------
* Every write to a train's seat inventory (booking or cancelling) runs in one
  transaction that first takes the train row lock (``SELECT ... FOR NO KEY UPDATE``
  on PostgreSQL; on SQLite the IMMEDIATE transaction holds the database write lock).
  It is the only lock taken on the train, it is taken before any read of the
  inventory, and it is held only while seats are chosen and written: a handful of
  statements, no network call.
* With an Idempotency-Key, the Python engine claims the key's record row before the
  train lock (see ``bookings.idempotency``); bookings_sell_seats takes the train lock
  first and inserts the key last. A request waiting on a key never holds a lock that
  the key's holder needs, so no two writers can wait on each other in a cycle.
* The lock makes choosing seats race-free. The guarantee does not rest on it:
  BookingSeat's ``bookingseat_no_double_sale`` (an exclusion constraint on
  PostgreSQL, triggers on SQLite) makes the database refuse any seat sold twice on
  a leg, whatever a bug or a second app server does.
* The per-user seat cap (``BOOKING_MAX_SEATS_PER_USER_PER_TRAIN``) is checked under
  the same train lock, from the user's confirmed bookings: two sales by one user on
  one train are serialised by it, so the second one counts the first one's seats.
* On PostgreSQL a lock that cannot be had within ``DB_LOCK_TIMEOUT_MS`` fails the
  request with 503 and Retry-After instead of hanging it.
"""

import json
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from rest_framework import exceptions

from bookings.allocation import choose_seats, free_seats, segment_mask
from bookings.idempotency import IdempotencyKeyReused
from bookings.models import Booking, BookingSeat
from railway.api import Conflict, Forbidden, NotFound
from trains.models import Seat, Station, Train, station_key
from trains.selectors import train_route_stations


class TrainNotFound(NotFound):
    default_detail = "No train with this number."
    default_code = "train_not_found"


class BookingNotFound(NotFound):
    default_detail = "No booking with this id."
    default_code = "booking_not_found"


class InsufficientSeats(Conflict):
    default_detail = "Not enough seats are free on this segment."
    default_code = "insufficient_seats"


class SeatCapReached(Conflict):
    default_detail = "You hold as many seats on this train as one passenger may."
    default_code = "seat_cap_reached"


class SeatsTaken(Conflict):
    default_detail = "The chosen seats were sold meanwhile; please retry."
    default_code = "seats_taken"


class BookingAlreadyCancelled(Conflict):
    default_detail = "This booking is already cancelled."
    default_code = "already_cancelled"


class NotBookingOwner(Forbidden):
    default_detail = "This booking belongs to another user."
    default_code = "not_booking_owner"


def occupied_legs_by_seat(*, train: Train) -> dict[int, int]:
    """Return {seat number: mask of sold legs} for the train's seats that are sold anywhere."""
    return dict(Seat.objects.filter(train=train).exclude(sold_legs=0).values_list("number", "sold_legs"))


def seats_held_by_user(*, user, train: Train) -> int:
    """Return how many seats the user's confirmed bookings hold on the train."""
    held = Booking.objects.filter(train=train, user=user, status=Booking.Status.CONFIRMED).aggregate(
        seats=Sum("seat_count")
    )["seats"]
    return held or 0


def seat_cap_error(*, seats_held: int) -> SeatCapReached:
    """Return the 409 for a sale that would pass the user's seat cap on the train."""
    cap = settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN
    return SeatCapReached(
        f"One passenger may hold at most {cap} seats on a train; you hold {seats_held} on this one.",
        extra={"seat_cap": cap, "seats_held": seats_held},
    )


def seat_cap_enforce(*, seats_held: int, seat_count: int) -> None:
    """Refuse a sale that would leave the user holding more than the cap's seats on the train."""
    if seats_held + seat_count > settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN:
        raise seat_cap_error(seats_held=seats_held)


def segment_error(code: str, *, source: str | None, destination: str | None) -> exceptions.ValidationError:
    """Return the 400 for a segment the route cannot serve; `code` as bookings_sell_seats reports it."""
    if code == "source_not_on_route":
        return exceptions.ValidationError(
            {"source": [f"'{(source or '').strip()}' is not on this train's route."]}
        )
    if code == "destination_not_on_route":
        return exceptions.ValidationError(
            {"destination": [f"'{(destination or '').strip()}' is not on this train's route."]}
        )
    if code == "same_station":
        return exceptions.ValidationError({"destination": ["Destination must differ from source."]})
    return exceptions.ValidationError(
        {"destination": ["Destination comes before source on this train's route."]}
    )


def segment_resolve(*, route: list[Station], source: str | None, destination: str | None) -> tuple[int, int]:
    """Return the stop positions of a segment given by station names (default: the whole route)."""
    positions = {station.key: position for position, station in enumerate(route)}
    from_position, to_position = 0, len(route) - 1
    if source is not None:
        if station_key(source) not in positions:
            raise segment_error("source_not_on_route", source=source, destination=destination)
        from_position = positions[station_key(source)]
    if destination is not None:
        if station_key(destination) not in positions:
            raise segment_error("destination_not_on_route", source=source, destination=destination)
        to_position = positions[station_key(destination)]
    if from_position == to_position:
        raise segment_error("same_station", source=source, destination=destination)
    if from_position > to_position:
        raise segment_error("wrong_order", source=source, destination=destination)
    return from_position, to_position


def seat_count_validate(*, seat_count: int) -> None:
    """Refuse a booking of fewer than one or more than BOOKING_MAX_SEATS seats."""
    if not 1 <= seat_count <= settings.BOOKING_MAX_SEATS:
        raise exceptions.ValidationError(
            {"seat_count": [f"Book between 1 and {settings.BOOKING_MAX_SEATS} seats at a time."]}
        )


def booking_create(
    *,
    user,
    train_number: int,
    seat_count: int,
    source: str | None = None,
    destination: str | None = None,
) -> Booking:
    """Sell `seat_count` seats on the segment to `user`, or raise InsufficientSeats or SeatCapReached."""
    seat_count_validate(seat_count=seat_count)
    train = Train.objects.filter(train_number=train_number).first()
    if train is None:
        raise TrainNotFound()

    try:
        return _sell_seats(
            user=user,
            train=train,
            source=source,
            destination=destination,
            seat_count=seat_count,
        )
    except IntegrityError:
        # bookingseat_no_double_sale refused a seat: only possible if the lock was bypassed.
        raise SeatsTaken() from None


def _sell_seats(
    *, user, train: Train, source: str | None, destination: str | None, seat_count: int
) -> Booking:
    with transaction.atomic():
        # The train row lock serialises sales on this train: see the module docstring.
        # The route and the seat count are read under it, because an admin may change
        # them (under the same lock) while the train has no bookings; so are the seats the
        # user holds, because the user's other sales on the train may be racing this one.
        train.total_seats = (
            Train.objects.select_for_update(no_key=True)
            .filter(pk=train.pk)
            .values_list("total_seats", flat=True)
            .get()
        )
        route = train_route_stations(train=train)
        from_position, to_position = segment_resolve(route=route, source=source, destination=destination)
        seat_cap_enforce(seats_held=seats_held_by_user(user=user, train=train), seat_count=seat_count)
        leg_count = len(route) - 1
        occupied = occupied_legs_by_seat(train=train)
        seats = choose_seats(
            occupied=occupied,
            total_seats=train.total_seats,
            leg_count=leg_count,
            from_position=from_position,
            to_position=to_position,
            count=seat_count,
        )
        if seats is None:
            available = len(
                free_seats(
                    occupied=occupied,
                    total_seats=train.total_seats,
                    wanted=segment_mask(from_position, to_position),
                )
            )
            raise InsufficientSeats(extra={"available_seats": available})
        booking = Booking.objects.create(
            user=user,
            train=train,
            from_position=from_position,
            to_position=to_position,
            seat_count=seat_count,
            seat_numbers=seats,
        )
        BookingSeat.objects.bulk_create(
            BookingSeat(
                booking=booking,
                seat_number=seat,
                train=train,
                from_position=from_position,
                to_position=to_position,
            )
            for seat in seats
        )
        marked = Seat.objects.filter(train=train, number__in=seats).update(
            sold_legs=F("sold_legs").bitor(segment_mask(from_position, to_position))
        )
        if marked != len(seats):
            # A train whose seat rows are missing would sell seats its masks never show.
            raise RuntimeError(f"Train {train.train_number} lacks seat rows for {seats}.")
    return booking


def sale_in_database_available() -> bool:
    """Return whether bookings_sell_seats() serves bookings: on PostgreSQL, unless turned off."""
    return settings.BOOKING_SQL_ENGINE and connection.vendor == "postgresql"


@dataclass(frozen=True)
class Sale:
    """The finished answer to a booking request: a 201, or a replay of an earlier answer."""

    status: int
    body: dict
    replayed: bool = False


def booking_sell_in_database(
    *,
    user,
    train_number: int,
    seat_count: int,
    source: str | None = None,
    destination: str | None = None,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
) -> Sale:
    """Sell seats as booking_create does, in one statement: PostgreSQL's bookings_sell_seats().

    Same rules, same lock order, same seat choice; the sale and its idempotency record
    commit together. Refusals raise the same errors as booking_create; with a key, the
    caller stores the rendered refusal (bookings.idempotency.idempotency_store_refusal).
    """
    seat_count_validate(seat_count=seat_count)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT bookings_sell_seats(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    user.pk,
                    train_number,
                    None if source is None else station_key(source),
                    None if destination is None else station_key(destination),
                    seat_count,
                    idempotency_key,
                    fingerprint,
                    settings.IDEMPOTENCY_KEY_TTL_HOURS,
                    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN,
                ],
            )
            # Django leaves jsonb undecoded, for its JSONField to decode.
            outcome = json.loads(cursor.fetchone()[0])
    except IntegrityError as error:
        if getattr(error.__cause__, "diag", None) and error.__cause__.diag.constraint_name == (
            "idempotency_key_per_user"
        ):
            # The key was spent meanwhile on another train's request: a different body.
            raise IdempotencyKeyReused() from None
        # bookingseat_no_double_sale refused a seat: only possible if the lock was bypassed.
        raise SeatsTaken() from None
    if outcome["outcome"] in ("booked", "replay"):
        return Sale(status=outcome["status"], body=outcome["body"], replayed=outcome["outcome"] == "replay")
    if outcome["outcome"] == "key_reused":
        raise IdempotencyKeyReused()
    code = outcome["code"]
    if code == "train_not_found":
        raise TrainNotFound()
    if code == "insufficient_seats":
        raise InsufficientSeats(extra={"available_seats": outcome["available_seats"]})
    if code == "seat_cap_reached":
        raise seat_cap_error(seats_held=outcome["seats_held"])
    raise segment_error(code, source=source, destination=destination)


def booking_list_access_check(*, actor, user_id: int) -> None:
    """Let passengers read their own bookings and staff anyone's; 404 for staff asking after no one."""
    if user_id == actor.pk:
        return
    if not actor.is_staff:
        raise Forbidden("You may only read your own bookings.")
    if not get_user_model().objects.filter(pk=user_id).exists():
        raise NotFound("No user with this id.")


def booking_cancel(*, booking_id: int, actor) -> Booking:
    """Cancel a confirmed booking and free exactly its seats on exactly its segment."""
    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is None:
        raise BookingNotFound()
    if booking.user_id != actor.pk and not actor.is_staff:
        raise NotBookingOwner()
    with transaction.atomic():
        # Same lock as booking_create, taken first: see the module docstring.
        Train.objects.select_for_update(no_key=True).filter(pk=booking.train_id).values_list("pk").get()
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        if booking.status == Booking.Status.CANCELLED:
            raise BookingAlreadyCancelled()
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["status", "cancelled_at"])
        BookingSeat.objects.filter(booking=booking).delete()
        Seat.objects.filter(train_id=booking.train_id, number__in=booking.seat_numbers).update(
            sold_legs=F("sold_legs").bitand(~segment_mask(booking.from_position, booking.to_position))
        )
    return booking


def bookings_cancel(*, booking_ids: list[int], actor) -> tuple[list[int], list[int]]:
    """Cancel each booking through booking_cancel; return the ids cancelled and those already cancelled."""
    cancelled: list[int] = []
    already_cancelled: list[int] = []
    # One transaction (and one train lock) per booking, as when cancelled through the API.
    for booking_id in sorted(booking_ids):
        try:
            booking_cancel(booking_id=booking_id, actor=actor)
        except BookingAlreadyCancelled:
            already_cancelled.append(booking_id)
        else:
            cancelled.append(booking_id)
    return cancelled, already_cancelled
