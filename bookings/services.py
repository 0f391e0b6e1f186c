"""The seat engine: selling and cancelling seats on segments of a train's route.

Locking contract
----------------
* Seats are sold per journey: a train on one start date (``trains.Journey``). Every
  write to a journey's seat inventory (booking or cancelling) runs in one transaction
  that first takes the journey row lock (``SELECT ... FOR NO KEY UPDATE`` on
  PostgreSQL; on SQLite the IMMEDIATE transaction holds the database write lock). It
  is the only lock a sale takes, it is taken before any read of the inventory, and it
  is held only while seats are chosen and written: a handful of statements, no
  network call. Sales on different dates of one train never wait on each other.
* A journey's first sale creates it, with a seat row per seat of the train, and then
  locks it; a sale racing to create the same journey waits on its primary key.
* A journey's creation holds a share lock on its train row until it commits. Changes
  to a train's route or seat count lock the train row and then every journey of it
  (``trains.services.train_lock_for_change``): they wait for the sales in flight and
  hold off new ones, including the creation of a journey.
* With an Idempotency-Key, the Python engine claims the key's record row before the
  journey lock (see ``bookings.idempotency``); bookings_sell_seats takes the journey
  lock first and inserts the key last. A request waiting on a key never holds a lock
  that the key's holder needs, so no two writers can wait on each other in a cycle.
* The lock makes choosing seats race-free. The guarantee does not rest on it:
  BookingSeat's ``bookingseat_no_double_sale`` (an exclusion constraint on
  PostgreSQL, triggers on SQLite) makes the database refuse any seat sold twice on
  a leg of a journey, whatever a bug or a second app server does.
* The per-user seat cap (``BOOKING_MAX_SEATS_PER_USER_PER_TRAIN``) is counted per
  journey under the same lock, from the user's confirmed bookings: two sales by one
  user on one journey are serialised by it, so the second one counts the first one's.
* On PostgreSQL a lock that cannot be had within ``DB_LOCK_TIMEOUT_MS`` fails the
  request with 503 and Retry-After instead of hanging it.
"""

import datetime
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
from trains.models import Journey, Seat, Station, Stop, Train, station_key
from trains.selectors import after_midnight, stop_offset, train_starts_on
from trains.services import train_lock_for_journey_creation


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


def occupied_legs_by_seat(*, train: Train, journey_date: datetime.date) -> dict[int, int]:
    """Return {seat number: mask of sold legs} for the journey's seats that are sold anywhere."""
    seats = Seat.objects.filter(train=train, journey_date=journey_date).exclude(sold_legs=0)
    return dict(seats.values_list("number", "sold_legs"))


def seats_held_by_user(*, user, train: Train, journey_date: datetime.date) -> int:
    """Return how many seats the user's confirmed bookings hold on the journey."""
    held = Booking.objects.filter(
        train=train, journey_date=journey_date, user=user, status=Booking.Status.CONFIRMED
    ).aggregate(seats=Sum("seat_count"))["seats"]
    return held or 0


def seat_cap_error(*, seats_held: int) -> SeatCapReached:
    """Return the 409 for a sale that would pass the user's seat cap on the train."""
    cap = settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN
    return SeatCapReached(
        f"One passenger may hold at most {cap} seats on a journey; you hold {seats_held} on this one.",
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


def journey_date_default() -> datetime.date:
    """Return the journey date of a request that gives none: today in the service's TIME_ZONE."""
    return timezone.localdate()


def boarding_date(*, train: Train, journey_date: datetime.date, stop: Stop) -> datetime.date:
    """Return the calendar date on which the journey starting on `journey_date` leaves `stop`."""
    leaves = after_midnight(train.departs_at) + stop_offset(stop.departure, stop.arrival)
    return journey_date + datetime.timedelta(days=leaves // datetime.timedelta(days=1))


def journey_date_error(
    code: str,
    *,
    train_number: int,
    journey_date: datetime.date,
    today: datetime.date,
    boarding: datetime.date | None,
) -> exceptions.ValidationError:
    """Return the 400 for a journey outside the booking window; `code` as bookings_sell_seats reports it."""
    if code == "journey_date_past":
        message = (
            f"This journey leaves your boarding station on {boarding.isoformat()}, which is past; "
            f"book a journey from today ({today.isoformat()}) on."
        )
    elif code == "journey_date_beyond_horizon":
        last = today + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS)
        message = (
            f"Bookings open {settings.BOOKING_HORIZON_DAYS} days ahead: the last journey date you can "
            f"book now is {last.isoformat()}."
        )
    else:
        message = (
            f"Train {train_number} does not leave its first station on {journey_date.isoformat()}; "
            "journey_date is the date it starts its journey."
        )
    return exceptions.ValidationError({"journey_date": [message]}, code=code)


def journey_window_check(
    *, train: Train, journey_date: datetime.date, boarding_stop: Stop, today: datetime.date
) -> None:
    """Refuse a journey boarded before today, starting past the horizon, or on a day it does not run."""
    code = boarding = None
    # The horizon first: no boarding date is computed past it, where the calendar may end.
    if journey_date > today + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS):
        code = "journey_date_beyond_horizon"
    elif (boarding := boarding_date(train=train, journey_date=journey_date, stop=boarding_stop)) < today:
        code = "journey_date_past"
    elif not train_starts_on(train=train, day=journey_date):
        code = "train_not_running"
    if code is not None:
        raise journey_date_error(
            code, train_number=train.train_number, journey_date=journey_date, today=today, boarding=boarding
        )


def journey_lock(*, train_id: int, journey_date: datetime.date) -> int | None:
    """Take the journey's lock (see the module docstring); return its train's seat count.

    None when the journey does not exist yet. Only the journey's row is locked, not the train's.
    """
    # Raw, because the ORM drops OF from the lock clause of a values() query, and the train's
    # row must stay unlocked. SQLite's IMMEDIATE transaction already holds its only write lock.
    sql = (
        "SELECT train.total_seats FROM trains_journey journey"
        " JOIN trains_train train ON train.id = journey.train_id"
        " WHERE journey.train_id = %s AND journey.date = %s"
    )
    if connection.vendor == "postgresql":
        sql += " FOR NO KEY UPDATE OF journey"
    with connection.cursor() as cursor:
        cursor.execute(sql, [train_id, journey_date])
        row = cursor.fetchone()
    return None if row is None else row[0]


def journey_open(*, train: Train, journey_date: datetime.date) -> None:
    """Create the journey with a seat row per seat of the train, unless it exists; lock not taken."""
    # Held until commit: a change of the route or the seat count waits for it (trains.services).
    total_seats = train_lock_for_journey_creation(train=train)
    # On PostgreSQL a racing creator waits on the primary key until this one commits.
    Journey.objects.bulk_create([Journey(train=train, date=journey_date)], ignore_conflicts=True)
    Seat.objects.bulk_create(
        (Seat(train=train, journey_date=journey_date, number=number) for number in range(1, total_seats + 1)),
        batch_size=2000,
        ignore_conflicts=True,
    )


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
    journey_date: datetime.date | None = None,
    source: str | None = None,
    destination: str | None = None,
) -> Booking:
    """Sell `seat_count` seats on the segment of the journey to `user`, or raise why not.

    `journey_date` is the date the train leaves its first station; none means today.
    """
    seat_count_validate(seat_count=seat_count)
    train = Train.objects.filter(train_number=train_number).first()
    if train is None:
        raise TrainNotFound()
    try:
        return _sell_seats(
            user=user,
            train=train,
            journey_date=journey_date or journey_date_default(),
            source=source,
            destination=destination,
            seat_count=seat_count,
        )
    except IntegrityError:
        # bookingseat_no_double_sale refused a seat: only possible if the lock was bypassed.
        raise SeatsTaken() from None


def _sell_seats(
    *,
    user,
    train: Train,
    journey_date: datetime.date,
    source: str | None,
    destination: str | None,
    seat_count: int,
) -> Booking:
    today = journey_date_default()
    with transaction.atomic():
        # Twice at most: a journey's first sale checks the request, creates the journey, and goes
        # round again to lock it and check the request against the route it locked.
        while True:
            # The journey lock serialises sales on this journey: see the module docstring. The
            # route is read under it, because an admin may change it (under the same lock)
            # while the train has no bookings; so are the seats the user holds, because the
            # user's other sales on the journey may be racing this one.
            total_seats = journey_lock(train_id=train.pk, journey_date=journey_date)
            stops = list(Stop.objects.filter(train=train).select_related("station").order_by("position"))
            from_position, to_position = segment_resolve(
                route=[stop.station for stop in stops], source=source, destination=destination
            )
            journey_window_check(
                train=train, journey_date=journey_date, boarding_stop=stops[from_position], today=today
            )
            if total_seats is not None:
                break
            journey_open(train=train, journey_date=journey_date)
        seat_cap_enforce(
            seats_held=seats_held_by_user(user=user, train=train, journey_date=journey_date),
            seat_count=seat_count,
        )
        occupied = occupied_legs_by_seat(train=train, journey_date=journey_date)
        seats = choose_seats(
            occupied=occupied,
            total_seats=total_seats,
            leg_count=len(stops) - 1,
            from_position=from_position,
            to_position=to_position,
            count=seat_count,
        )
        if seats is None:
            available = len(
                free_seats(
                    occupied=occupied,
                    total_seats=total_seats,
                    wanted=segment_mask(from_position, to_position),
                )
            )
            raise InsufficientSeats(extra={"available_seats": available})
        booking = Booking.objects.create(
            user=user,
            train=train,
            journey_date=journey_date,
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
                journey_date=journey_date,
                from_position=from_position,
                to_position=to_position,
            )
            for seat in seats
        )
        marked = Seat.objects.filter(train=train, journey_date=journey_date, number__in=seats).update(
            sold_legs=F("sold_legs").bitor(segment_mask(from_position, to_position))
        )
        if marked != len(seats):
            # A journey whose seat rows are missing would sell seats its masks never show.
            raise RuntimeError(f"Train {train.train_number} on {journey_date} lacks seat rows for {seats}.")
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


_SALE_ARGUMENTS = ", ".join(["%s"] * 12)
SELL_IN_TRANSACTION = f"SELECT bookings_sell_seats({_SALE_ARGUMENTS})"
SELL_RELEASING_LOCK_EARLY = f"CALL bookings_sell_seats_early_release({_SALE_ARGUMENTS}, NULL)"


def sale_arguments(
    *,
    user_id: int,
    train_number: int,
    seat_count: int,
    journey_date: datetime.date,
    today: datetime.date,
    source_key: str | None,
    destination_key: str | None,
    idempotency_key: str | None,
    fingerprint: str | None,
) -> list:
    """Return the arguments of bookings_sell_seats() (and of SELL_*), the service's limits included."""
    return [
        user_id,
        train_number,
        journey_date,
        source_key,
        destination_key,
        seat_count,
        idempotency_key,
        fingerprint,
        settings.IDEMPOTENCY_KEY_TTL_HOURS,
        settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN,
        today,
        settings.BOOKING_HORIZON_DAYS,
    ]


def booking_sell_in_database(
    *,
    user,
    train_number: int,
    seat_count: int,
    journey_date: datetime.date | None = None,
    source: str | None = None,
    destination: str | None = None,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
) -> Sale:
    """Sell seats as booking_create does, in one call: PostgreSQL's bookings_sell_seats().

    Same rules, same lock order, same seat choice; the sale and its idempotency record
    commit together. Refusals raise the same errors as booking_create; with a key, the
    caller stores the rendered refusal (bookings.idempotency.idempotency_store_refusal).
    """
    seat_count_validate(seat_count=seat_count)
    today = journey_date_default()
    journey_date = journey_date or today
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                # In a transaction of the caller's, the sale is part of it and commits with it.
                # Otherwise it commits in a procedure that releases the journey lock before the
                # commit is on disk, and returns once it is (migration 0009).
                SELL_IN_TRANSACTION if connection.in_atomic_block else SELL_RELEASING_LOCK_EARLY,
                sale_arguments(
                    user_id=user.pk,
                    train_number=train_number,
                    seat_count=seat_count,
                    journey_date=journey_date,
                    today=today,
                    source_key=None if source is None else station_key(source),
                    destination_key=None if destination is None else station_key(destination),
                    idempotency_key=idempotency_key,
                    fingerprint=fingerprint,
                ),
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
    if code.startswith("journey_date_") or code == "train_not_running":
        boarding = outcome.get("boarding_date")
        raise journey_date_error(
            code,
            train_number=train_number,
            journey_date=journey_date,
            today=today,
            boarding=journey_date if boarding is None else datetime.date.fromisoformat(boarding),
        )
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
        journey_lock(train_id=booking.train_id, journey_date=booking.journey_date)
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        if booking.status == Booking.Status.CANCELLED:
            raise BookingAlreadyCancelled()
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["status", "cancelled_at"])
        BookingSeat.objects.filter(booking=booking).delete()
        Seat.objects.filter(
            train_id=booking.train_id, journey_date=booking.journey_date, number__in=booking.seat_numbers
        ).update(sold_legs=F("sold_legs").bitand(~segment_mask(booking.from_position, booking.to_position)))
    return booking


def bookings_cancel(*, booking_ids: list[int], actor) -> tuple[list[int], list[int]]:
    """Cancel each booking through booking_cancel; return the ids cancelled and those already cancelled."""
    cancelled: list[int] = []
    already_cancelled: list[int] = []
    # One transaction (and one journey lock) per booking, as when cancelled through the API.
    for booking_id in sorted(booking_ids):
        try:
            booking_cancel(booking_id=booking_id, actor=actor)
        except BookingAlreadyCancelled:
            already_cancelled.append(booking_id)
        else:
            cancelled.append(booking_id)
    return cancelled, already_cancelled
