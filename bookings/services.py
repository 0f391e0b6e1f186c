"""Booking and cancelling: the one sale path and the one cancellation path, on every database.

Both run in one transaction that takes the journey's lock first (bookings.inventory states
the locking contract), check the request against what they read under it (bookings.rules),
choose seats by the one seat rule (bookings.allocation) and write them (bookings.inventory).
"""

import datetime
import functools
from contextlib import AbstractContextManager, nullcontext

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bookings import inventory, rules
from bookings.errors import (
    BookingAlreadyCancelled,
    BookingNotFound,
    NotBookingOwner,
    NotYourBookings,
    SeatsTaken,
    TrainNotFound,
    UserNotFound,
)
from bookings.models import Booking
from bookings.selectors import booking_with_stations
from railway.db.statements import Writes
from trains.models import Train
from trains.selectors import (
    RouteStop,
    TrainOnDay,
    journey_leaves_stop,
    stop_leaves_at,
    stop_leaves_on,
    train_on_day,
    train_starts_on_given,
)
from trains.time_zones import local_date
from users.models import User


def journey_date_default() -> datetime.date:
    """Return today in the service's TIME_ZONE.

    A booking without a date rides today's journey at the train's first station: this date, for a
    train whose first station is in TIME_ZONE.
    """
    return timezone.localdate()


def _segment_check(
    *,
    on_day: TrainOnDay,
    now: datetime.datetime,
    source: str | None,
    destination: str | None,
) -> tuple[int, int]:
    """Return the segment's stop positions, or raise why the journey on `on_day.day` cannot be sold on it.

    "Today" is the date at the boarding station, in its time zone.
    """
    train, route, journey_date = on_day.train, on_day.route, on_day.day
    from_position, to_position = rules.segment_resolve(
        route_codes=[stop.station_code for stop in route],
        route_keys=[stop.station_key for stop in route],
        source=source,
        destination=destination,
    )
    boarding = route[from_position]
    today = local_date(now, boarding.time_zone)
    # The horizon before the boarding date: past it the calendar may end.
    rules.booking_horizon_check(journey_date=journey_date, today=today)
    boards_at = stop_leaves_at(
        departs_at=train.departs_at,
        journey_date=journey_date,
        origin_time_zone=on_day.origin_time_zone,
        stop=boarding,
    )
    rules.booking_window_check(
        train_number=train.train_number,
        journey_date=journey_date,
        boarding_date=stop_leaves_on(journey_date=journey_date, leaves_at=boards_at),
        boards_at=boards_at,
        starts_on_date=train_starts_on_given(train=train, day=journey_date, exception=on_day.exception),
        today=today,
        now=now,
    )
    return from_position, to_position


def _journey_for_sale(
    *,
    user: User,
    train_number: int,
    seat_count: int,
    journey_date: datetime.date | None,
    now: datetime.datetime,
    source: str | None,
    destination: str | None,
) -> tuple[inventory.SaleState, Train, list[RouteStop]]:
    """Lock the journey and return what the sale decides on, with the train and its route.

    Without a `journey_date`, the journey is today's at the train's first station. The journey
    is created on its first sale, once the request is known to be sellable, so that a refused
    request leaves nothing behind.
    """
    sale = functools.partial(
        _journey_of_variant,
        user=user,
        train_number=train_number,
        seat_count=seat_count,
        journey_date=journey_date,
        now=now,
        segment={"now": now, "source": source, "destination": destination},
    )
    try:
        return sale()
    except inventory.TrainWithdrawn:
        # A timetable import withdrew the train while the sale waited for its lock: the variant
        # running instead, read again, is the one sold; with none, the train is not found.
        pass
    try:
        return sale()
    except inventory.TrainWithdrawn:
        raise TrainNotFound() from None


def _journey_of_variant(
    *,
    user: User,
    train_number: int,
    seat_count: int,
    journey_date: datetime.date | None,
    now: datetime.datetime,
    segment: dict,
) -> tuple[inventory.SaleState, Train, list[RouteStop]]:
    """_journey_for_sale on the variant of the number running on the date, as read now.

    Raise inventory.TrainWithdrawn if that variant is withdrawn before its journey is locked.
    """
    # Read before the lock, which is held for as short a time as it can be: a journey exists
    # only once its train is booked, and bookings freeze a train's route (bookings.network_changes).
    on_day = train_on_day(train_number=train_number, day=journey_date, now=now)
    if on_day is None:
        raise TrainNotFound()
    journey_date = on_day.day

    def lock_and_read(on_day: TrainOnDay) -> inventory.SaleState | None:
        from_position, to_position = _segment_check(on_day=on_day, **segment)
        return inventory.sale_lock(
            train_id=on_day.train.pk,
            journey_date=journey_date,
            user_id=user.pk,
            from_position=from_position,
            to_position=to_position,
            count=seat_count,
            # The journeys not yet started, for the cap on the seats one user holds on all of them.
            today=timezone.localdate(now),
        )

    state = lock_and_read(on_day)
    if state is None:
        inventory.journey_open(train=on_day.train, journey_date=journey_date)
        # The route may have changed until the journey's creation held the train: read it again.
        on_day = train_on_day(train_number=train_number, day=journey_date, now=now)
        assert on_day is not None, "a train whose journey just opened is there"
        state = lock_and_read(on_day)
        assert state is not None, "a journey just opened is there to lock"
    return state, on_day.train, on_day.route


def _in_a_transaction() -> AbstractContextManager:
    """Return a transaction for a sale: the caller's if it has one (with no savepoint), else a new one.

    A caller that wraps a sale (bookings.idempotency) commits or rolls back with it: a refusal
    propagates to the caller, whose transaction rolls back whole.
    """
    return nullcontext() if connection.in_atomic_block else transaction.atomic()


def booking_create(
    *,
    user: User,
    train_number: int,
    seat_count: int,
    journey_date: datetime.date | None = None,
    source: str | None = None,
    destination: str | None = None,
    writes: Writes | None = None,
) -> Booking:
    """Sell `seat_count` seats on the segment of the journey to `user`, or raise why not.

    `journey_date` is the date the train leaves its first station; none means today there. The
    booking comes back with its train and the names of its two stations. With `writes`, the
    sale's writes join the caller's, who runs them in its transaction (bookings.idempotency
    adds its record of the answer); a seat refused then by the database is the caller's to
    handle.
    """
    assert writes is None or connection.in_atomic_block, "writes are run in the caller's transaction"
    rules.seat_count_check(seat_count=seat_count)
    now = timezone.now()
    try:
        with _in_a_transaction():
            state, train, route = _journey_for_sale(
                user=user,
                train_number=train_number,
                seat_count=seat_count,
                journey_date=journey_date,
                now=now,
                source=source,
                destination=destination,
            )
            # Counted under the locks: the user's other sales may be racing this one.
            rules.seat_cap_check(
                seats_held=state.seats_held, seats_held_ahead=state.seats_held_ahead, seat_count=seat_count
            )
            chosen = inventory.seats_choose(state=state)
            booking = inventory.sale_write(user=user, train=train, state=state, chosen=chosen, writes=writes)
    except IntegrityError:
        # bookingseat_no_double_sale refused a seat: only possible if the lock was bypassed.
        raise SeatsTaken() from None
    booking.source_name = route[state.from_position].station_name
    booking.destination_name = route[state.to_position].station_name
    return booking


def booking_list_access_check(*, actor: User, user_id: int) -> None:
    """Let passengers read their own bookings, and anyone's those who may view bookings in the admin.

    404 for those asking after no one.
    """
    if user_id == actor.pk:
        return
    if not actor.has_perm("bookings.view_booking"):
        raise NotYourBookings()
    if not User.objects.filter(pk=user_id).exists():
        raise UserNotFound()


def booking_cancel(*, booking_id: int, actor: User) -> Booking:
    """Cancel a confirmed booking and free exactly its seats on exactly its segment.

    Passengers cancel their own bookings; others' need the permission to change bookings. Once
    the train has left the booking's boarding station, the booking stands.
    """
    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is None:
        raise BookingNotFound()
    # The right the admin asks of staff to change a booking: is_staff alone opens no one's.
    if booking.user_id != actor.pk and not actor.has_perm("bookings.change_booking"):
        raise NotBookingOwner()
    return _booking_cancel(booking=booking, passengers_window=True)


def booking_cancel_for_disruption(*, booking_id: int) -> Booking:
    """Cancel a confirmed booking whose journey a new timetable cancels, retimes or reroutes.

    The operator's decision, not the passenger's: the passenger's cancellation window does not
    apply, since the journey booked is no longer the one that runs.
    """
    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is None:
        raise BookingNotFound()
    return _booking_cancel(booking=booking, passengers_window=False)


def _booking_cancel(*, booking: Booking, passengers_window: bool) -> Booking:
    """Cancel the booking under its journey's lock, the one way every cancellation frees seats."""
    with transaction.atomic():
        # The same lock as a sale's, taken first. A journey purged once finished keeps no free
        # seats; its bookings, gone with their train, no longer cancel.
        journey = inventory.journey_lock(train_id=booking.train_id, journey_date=booking.journey_date)
        booking = Booking.objects.get(pk=booking.pk)
        if booking.status == Booking.Status.CANCELLED:
            raise BookingAlreadyCancelled()
        now = timezone.now()
        if passengers_window:
            boarding_date, boards_at, time_zone = journey_leaves_stop(
                train_id=booking.train_id, journey_date=booking.journey_date, position=booking.from_position
            )
            rules.cancellation_window_check(
                boarding_date=boarding_date, boards_at=boards_at, today=local_date(now, time_zone), now=now
            )
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        # By the journey's key as well as the id, so that the write stays on the journey's shard.
        Booking.objects.filter(
            pk=booking.pk, train_id=booking.train_id, journey_date=booking.journey_date
        ).update(status=booking.status, cancelled_at=booking.cancelled_at)
        inventory.seats_release(booking=booking, journey_open=journey is not None)
    return booking_with_stations(booking_id=booking.pk)


def bookings_cancel(*, booking_ids: list[int], actor: User) -> tuple[list[int], list[int]]:
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
