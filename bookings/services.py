"""Booking and cancelling: the one sale path and the one cancellation path, on every database.

Both run in one transaction that takes the journey's lock first (bookings.inventory states
the locking contract), check the request against what they read under it (bookings.rules),
choose seats by the one seat rule (bookings.allocation) and write them (bookings.inventory).
"""

import datetime
import functools
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.utils import timezone

from bookings import inventory, journey_events, rules
from bookings import waitlist as waitlists
from bookings.cancellations import booking_paid, passengers_release
from bookings.charts import JourneyChart, chart_time_on_day, journey_chart_read
from bookings.errors import (
    BookingAlreadyCancelled,
    BookingNotFound,
    ChartForbidden,
    HoldExpired,
    HoldLimitReached,
    InsufficientSeats,
    JourneyCharted,
    JourneyDateInvalid,
    NotBookingOwner,
    NotHeld,
    NotYourBookings,
    SeatsTaken,
    TrainNotFound,
    UserNotFound,
)
from bookings.holds import hold_extended, hold_times
from bookings.models import Booking, Passenger
from bookings.passengers import PassengerRequest, passengers_seated, seat_position_of
from bookings.pnrs import pnr_new
from bookings.refunds import departure_ahead, passenger_refund
from bookings.seat_maps import SeatMap, journey_seat_map
from bookings.selectors import (
    BookingPage,
    TrainAvailability,
    booking_of_pnr,
    booking_page,
    trains_between,
    trains_between_on,
)
from railway.db.statements import Writes
from trains.fares import class_fare, segment_km
from trains.seat_numbers import class_seat_ranges
from trains.selectors import (
    TrainOnDay,
    journey_leaves_stop,
    stop_leaves_at,
    stop_leaves_on,
    train_coaches_on_day,
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


@dataclass(frozen=True)
class SaleClass:
    """The class a sale is of, and where its seats are: the ranges of its coaches' seats and where every
    coach of the train starts, which a group's run does not cross."""

    travel_class: str
    seat_ranges: inventory.SeatRanges
    coach_starts: tuple[int, ...]


def _sale_class(*, on_day: TrainOnDay, travel_class: str | None) -> SaleClass:
    """Return the class of a sale on the train read in `on_day`, or raise why it has none such."""
    coaches = train_coaches_on_day(on_day)
    classes = list(dict.fromkeys(coach.travel_class for coach in coaches))
    chosen = rules.travel_class_resolve(classes=classes, travel_class=travel_class)
    ranges = class_seat_ranges(
        coaches=[(coach.travel_class, coach.first_seat, coach.last_seat) for coach in coaches],
        travel_class=chosen,
    )
    # One class holds every seat: no condition on the candidates.
    return SaleClass(
        travel_class=chosen,
        seat_ranges=() if len(classes) == 1 else ranges,
        coach_starts=tuple(coach.first_seat for coach in coaches),
    )


def _journey_for_sale(
    *,
    user: User,
    train_number: int,
    seat_count: int,
    journey_date: datetime.date | None,
    now: datetime.datetime,
    source: str | None,
    destination: str | None,
    travel_class: str | None,
) -> tuple[inventory.SaleState, TrainOnDay, SaleClass]:
    """Lock the journey and return what the sale decides on, with the train read and the sale's class.

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
        travel_class=travel_class,
    )
    try:
        return sale()
    except (inventory.TrainWithdrawn, inventory.CoachesChanged):
        # A timetable import withdrew the train, or staff changed its coaches, while the sale
        # waited for its lock: the variant running instead, read again, is the one sold; with
        # none, the train is not found.
        pass
    try:
        return sale()
    except inventory.TrainWithdrawn:
        raise TrainNotFound() from None
    except inventory.CoachesChanged:
        raise SeatsTaken() from None


def _journey_of_variant(
    *,
    user: User,
    train_number: int,
    seat_count: int,
    journey_date: datetime.date | None,
    now: datetime.datetime,
    segment: dict,
    travel_class: str | None,
) -> tuple[inventory.SaleState, TrainOnDay, SaleClass]:
    """_journey_for_sale on the variant of the number running on the date, as read now.

    Raise inventory.TrainWithdrawn if that variant is withdrawn before its journey is locked,
    and inventory.CoachesChanged if its coaches change.
    """
    # Read before the lock, which is held for as short a time as it can be: a journey exists
    # only once its train is booked, and bookings freeze a train's route (bookings.network_changes).
    on_day = train_on_day(train_number=train_number, day=journey_date, now=now)
    if on_day is None:
        raise TrainNotFound()
    journey_date = on_day.day

    def lock_and_read(on_day: TrainOnDay) -> tuple[inventory.SaleState | None, SaleClass]:
        from_position, to_position = _segment_check(on_day=on_day, **segment)
        sale_class = _sale_class(on_day=on_day, travel_class=travel_class)
        state = inventory.sale_lock(
            train_id=on_day.train.pk,
            journey_date=journey_date,
            user_id=user.pk,
            from_position=from_position,
            to_position=to_position,
            count=seat_count,
            # The journeys not yet started, for the cap on the seats one user holds on all of them.
            today=timezone.localdate(now),
            now=now,
            chart_due=chart_time_on_day(on_day) <= now,
            seat_ranges=sale_class.seat_ranges,
            coaches=inventory.coaches_fingerprint(on_day.coaches),
        )
        return state, sale_class

    state, sale_class = lock_and_read(on_day)
    if state is None:
        inventory.journey_open(train=on_day.train, journey_date=journey_date)
        # The route may have changed until the journey's creation held the train: read it again.
        on_day = train_on_day(train_number=train_number, day=journey_date, now=now)
        assert on_day is not None, "a train whose journey just opened is there"
        state, sale_class = lock_and_read(on_day)
        assert state is not None, "a journey just opened is there to lock"
    chart_at = chart_time_on_day(on_day)
    if state.holds_due or (state.chart_pending and chart_at <= now):
        # Holds ended or the chart's time came since anything last looked: the journey is brought
        # to now first, under the lock just taken, so that seats freed reach the waitlist before
        # this sale; then the sale reads what it decides on again.
        journey_events.journey_settle(
            train_id=state.train_id, journey_date=state.journey_date, now=now, chart_at=chart_at
        )
        state, sale_class = lock_and_read(on_day)
    return state, on_day, sale_class


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
    seat_count: int | None = None,
    journey_date: datetime.date | None = None,
    source: str | None = None,
    destination: str | None = None,
    travel_class: str | None = None,
    passengers: list[PassengerRequest] | None = None,
    hold: bool = False,
    waitlist: bool = False,
    writes: Writes | None = None,
) -> Booking:
    """Sell seats on the segment of the journey to `user`, in a class, or raise why not.

    The seats are for `passengers`, or else for `seat_count` anonymous ones; with both, their
    numbers agree. `travel_class` may be left out on a train of one class. `journey_date` is the
    date the train leaves its first station; none means today there. With `hold`, the seats are
    held until HOLD_TTL_SECONDS from now, for the buyer to confirm; with `waitlist`, a party the
    class cannot seat now waits for seats to be freed instead of being refused. The booking
    comes back with its train, the names of its two stations and its passengers
    (`passengers_sold`). With `writes`, the sale's writes join the caller's, who runs them in its
    transaction (bookings.idempotency adds its record of the answer); a seat refused then by the
    database is the caller's to handle.
    """
    assert writes is None or connection.in_atomic_block, "writes are run in the caller's transaction"
    count = rules.party_size_check(
        seat_count=seat_count, passengers=None if passengers is None else len(passengers)
    )
    rules.seat_count_check(seat_count=count)
    requests = passengers if passengers is not None else [PassengerRequest()] * count
    now = timezone.now()
    try:
        with _in_a_transaction():
            state, on_day, sale_class = _journey_for_sale(
                user=user,
                train_number=train_number,
                seat_count=count,
                journey_date=journey_date,
                now=now,
                source=source,
                destination=destination,
                travel_class=travel_class,
            )
            chart_at = chart_time_on_day(on_day)
            if hold and chart_at <= now:
                raise JourneyCharted(chart_at=chart_at)
            # Counted under the locks: the user's other sales may be racing this one.
            rules.seat_cap_check(
                seats_held=state.seats_held, seats_held_ahead=state.seats_held_ahead, seat_count=count
            )
            coaches = train_coaches_on_day(on_day)
            try:
                chosen = inventory.seats_choose(
                    state=state,
                    coach_starts=sale_class.coach_starts,
                    preferences=[request.preference for request in requests],
                    position_of=lambda seat_number: seat_position_of(
                        coaches=coaches, seat_number=seat_number
                    ),
                )
            except InsufficientSeats:
                if not waitlist:
                    raise
                if chart_at <= now:
                    raise JourneyCharted(chart_at=chart_at) from None
                waitlists.waitlist_room_check(
                    waiting=waitlists.passengers_waiting(
                        train_id=state.train_id,
                        journey_date=state.journey_date,
                        travel_class=sale_class.travel_class,
                    ),
                    count=count,
                    class_seats=sum(
                        coach.seats for coach in coaches if coach.travel_class == sale_class.travel_class
                    ),
                )
                chosen = []
            km = segment_km(
                boarding_km=on_day.route[state.from_position].distance_km,
                alighting_km=on_day.route[state.to_position].distance_km,
            )
            fare = class_fare(fares=on_day.fares, travel_class=sale_class.travel_class, km=km)
            status = _status_of_sale(seated=bool(chosen), hold=hold)
            sold = passengers_seated(
                requests=requests, chosen=chosen, coaches=coaches, fare=fare, status=status
            )
            expires_at, hold_limit_at = (
                hold_times(start=now) if status == Booking.Status.HELD else (None, None)
            )
            booking = inventory.sale_write(
                user=user,
                train=on_day.train,
                state=state,
                chosen=chosen,
                sold=Booking(
                    pnr=pnr_new(),
                    travel_class=sale_class.travel_class,
                    fare_total=sum((passenger.fare for passenger in sold), Decimal("0.00")),
                    refund_total=Decimal("0.00"),
                    currency=settings.FARE_CURRENCY,
                    seats_cancelled=0,
                    status=status,
                    hold_requested=hold,
                    expires_at=expires_at,
                    hold_limit_at=hold_limit_at,
                ),
                passengers=sold,
                writes=writes,
            )
    except IntegrityError:
        # bookingseat_no_double_sale refused a seat: only possible if the lock was bypassed. (Or,
        # once in a billion billion sales, the PNR drawn was taken: a retry draws another.)
        raise SeatsTaken() from None
    booking.source_name = on_day.route[state.from_position].station_name
    booking.destination_name = on_day.route[state.to_position].station_name
    booking.passengers_sold = sold
    return booking


def _status_of_sale(*, seated: bool, hold: bool) -> str:
    """Return the status a sale writes: waiting without seats; with them, held if asked, else confirmed."""
    if not seated:
        return Booking.Status.WAITLISTED
    return Booking.Status.HELD if hold else Booking.Status.CONFIRMED


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
    """Cancel every passenger of a confirmed booking and free exactly their seats on exactly its segment.

    Passengers cancel their own bookings; others' need the permission to change bookings. Once
    the train has left the booking's boarding station, the booking stands. The booking comes
    back with `refund_now`, what this cancellation refunds.
    """
    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is None:
        raise BookingNotFound()
    # The right the admin asks of staff to change a booking: is_staff alone opens no one's.
    if booking.user_id != actor.pk and not actor.has_perm("bookings.change_booking"):
        raise NotBookingOwner()
    return _booking_cancel(booking=booking, passenger_ids=None, passengers_window=True)


def booking_by_pnr(*, pnr: str, actor: User) -> Booking:
    """Return the booking of a PNR with its stations and passengers, for its owner and for staff who may
    view bookings; BookingNotFound for anyone else, so that a PNR's existence is not revealed.

    A hold or a waiting booking is read as time has left it: its journey is brought to now first.
    """
    booking = _visible_by_pnr(pnr=pnr, actor=actor)
    if booking.status in (Booking.Status.HELD, Booking.Status.WAITLISTED):
        journey_events.journeys_settle_due(
            journeys=[(booking.train_id, booking.journey_date)], now=timezone.now()
        )
        # Read again even when this call brought nothing to now: another request may have, since the
        # booking was read.
        booking = booking_of_pnr(pnr=pnr)
    return booking


def _visible_by_pnr(*, pnr: str, actor: User) -> Booking:
    """Return the booking of a PNR for its owner and for staff who may view bookings; BookingNotFound for
    anyone else, as for a PNR of no booking."""
    booking = booking_of_pnr(pnr=pnr)
    if booking is None or (booking.user_id != actor.pk and not actor.has_perm("bookings.view_booking")):
        raise BookingNotFound.of_pnr()
    return booking


def _owned_by_pnr(*, pnr: str, actor: User) -> Booking:
    """Return the booking of a PNR for its owner and for staff who may change bookings, or raise."""
    booking = _visible_by_pnr(pnr=pnr, actor=actor)
    if booking.user_id != actor.pk and not actor.has_perm("bookings.change_booking"):
        raise NotBookingOwner()
    return booking


def passengers_cancel(*, pnr: str, actor: User, passenger_ids: list[int] | None = None) -> Booking:
    """Cancel some passengers of a booking (default: every one still holding a seat or waiting for one),
    freeing exactly their seats on exactly its segment, and refund them by how long before departure
    they cancel. Releasing a hold refunds nothing: nothing was paid.

    Owners cancel their own; staff need the permission to change bookings. The booking comes
    back with `refund_now`, what this cancellation refunds.
    """
    booking = _owned_by_pnr(pnr=pnr, actor=actor)
    return _booking_cancel(booking=booking, passenger_ids=passenger_ids, passengers_window=True)


def booking_confirm(*, pnr: str, actor: User, payment_reference: str = "") -> Booking:
    """Confirm a hold before its end, with the reference of its payment; a booking confirmed already is
    returned unchanged.

    Raise HoldExpired once the hold has ended, whether or not its seats have been written free
    yet: they may have been sold since, and a late confirm never takes them back.
    """
    booking = _owned_by_pnr(pnr=pnr, actor=actor)
    now = timezone.now()
    with transaction.atomic():
        booking = _journey_brought_to(booking=booking, now=now)
        refusal = _hold_refusal(booking)
        if refusal is None and booking.status == Booking.Status.HELD:
            Booking.objects.filter(pk=booking.pk).update(
                status=Booking.Status.CONFIRMED, payment_reference=payment_reference
            )
            booking.passengers.filter(status=Passenger.Status.HELD).update(status=Passenger.Status.CONFIRMED)
    # Raised once the journey brought to now is committed: a hold that lapsed stays lapsed.
    if refusal is not None:
        raise refusal
    return booking_of_pnr(pnr=booking.pnr)


def booking_extend(*, pnr: str, actor: User) -> Booking:
    """Move a hold's end on by HOLD_TTL_SECONDS, never past HOLD_MAX_SECONDS from its start."""
    booking = _owned_by_pnr(pnr=pnr, actor=actor)
    now = timezone.now()
    with transaction.atomic():
        booking = _journey_brought_to(booking=booking, now=now)
        refusal = _hold_refusal(booking)
        if refusal is None and booking.status != Booking.Status.HELD:
            refusal = NotHeld(status=booking.status)
        if refusal is None:
            try:
                expires_at = hold_extended(
                    expires_at=booking.expires_at, hold_limit_at=booking.hold_limit_at, now=now
                )
            except HoldLimitReached as limit:
                refusal = limit
            else:
                Booking.objects.filter(pk=booking.pk).update(expires_at=expires_at)
    if refusal is not None:
        raise refusal
    return booking_of_pnr(pnr=booking.pnr)


def _journey_brought_to(*, booking: Booking, now: datetime.datetime) -> Booking:
    """Lock the booking's journey, bring it to `now` (bookings.journey_events) and return the booking as it
    then is. In the caller's transaction."""
    if inventory.journey_lock(train_id=booking.train_id, journey_date=booking.journey_date) is not None:
        journey_events.journey_settle(train_id=booking.train_id, journey_date=booking.journey_date, now=now)
    return Booking.objects.get(pk=booking.pk)


def _hold_refusal(booking: Booking) -> Exception | None:
    """Return why a booking cannot be confirmed or extended as a hold: it lapsed, was cancelled, or waits.
    None for a hold, or a booking confirmed."""
    if booking.status == Booking.Status.CANCELLED:
        if booking.cancel_reason == Booking.Reason.HOLD_EXPIRED:
            return HoldExpired(expires_at=booking.expires_at)
        return BookingAlreadyCancelled()
    if booking.status == Booking.Status.WAITLISTED:
        return NotHeld(status=booking.status)
    return None


def booking_cancel_for_disruption(*, booking_id: int) -> Booking:
    """Cancel a live booking whose journey a new timetable cancels, retimes or reroutes.

    The operator's decision, not the passenger's: the passenger's cancellation window does not
    apply, since the journey booked is no longer the one that runs, and every fare paid is
    refunded whole.
    """
    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is None:
        raise BookingNotFound()
    return _booking_cancel(booking=booking, passenger_ids=None, passengers_window=False)


def _booking_cancel(*, booking: Booking, passenger_ids: list[int] | None, passengers_window: bool) -> Booking:
    """Cancel passengers of the booking under its journey's lock, the one way every cancellation frees seats,
    and serve the waitlist with the seats freed in the same transaction.

    `passenger_ids` None: all still held, confirmed or waiting. In the passenger's window a refund
    follows the bands (bookings.refunds); otherwise (the operator's cancellation) it is the whole
    fare paid.
    """
    now = timezone.now()
    with transaction.atomic():
        # The same lock as a sale's, taken first. A journey purged once finished keeps no free
        # seats; its bookings, gone with their train, no longer cancel.
        journey = inventory.journey_lock(train_id=booking.train_id, journey_date=booking.journey_date)
        if journey is not None:
            journey_events.journey_settle(
                train_id=booking.train_id, journey_date=booking.journey_date, now=now
            )
        booking = Booking.objects.get(pk=booking.pk)
        if booking.status == Booking.Status.CANCELLED:
            raise BookingAlreadyCancelled()
        passengers = {passenger.passenger_id: passenger for passenger in booking.passengers.all()}
        leaving = rules.passengers_to_cancel(
            confirmed=[
                pid for pid, passenger in passengers.items() if passenger.status != Passenger.Status.CANCELLED
            ],
            cancelled=[
                pid for pid, passenger in passengers.items() if passenger.status == Passenger.Status.CANCELLED
            ],
            asked=passenger_ids,
        )
        # The operator's cancellation refunds the whole fare, whenever it comes.
        ahead = None
        if passengers_window:
            boarding_date, boards_at, time_zone = journey_leaves_stop(
                train_id=booking.train_id, journey_date=booking.journey_date, position=booking.from_position
            )
            rules.cancellation_window_check(
                boarding_date=boarding_date, boards_at=boards_at, today=local_date(now, time_zone), now=now
            )
            ahead = departure_ahead(
                boarding_date=boarding_date, boards_at=boards_at, time_zone=time_zone, now=now
            )
        paid = booking_paid(booking)
        refunds = {
            pid: passenger_refund(
                fare=passengers[pid].fare,
                paid=paid,
                seated=passengers[pid].status != Passenger.Status.WAITLISTED,
                before_departure=ahead,
            )
            for pid in leaving
        }
        waiting = booking.status == Booking.Status.WAITLISTED
        freed = passengers_release(
            booking=booking,
            passengers=passengers,
            refunds=refunds,
            at=now,
            reason=Booking.Reason.REQUESTED if passengers_window else Booking.Reason.JOURNEY_CHANGED,
            journey_open=journey is not None,
        )
        if journey is not None:
            # A waiting booking that lost passengers may fit now with those left.
            shrunk = booking.pk if waiting and booking.status == Booking.Status.WAITLISTED else None
            waitlists.waitlist_serve(
                train_id=booking.train_id,
                journey_date=booking.journey_date,
                at=now,
                freed=freed,
                shrunk=shrunk,
            )
    cancelled = booking_of_pnr(pnr=booking.pnr)
    cancelled.refund_now = sum(refunds.values(), Decimal("0.00"))
    return cancelled


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


def trains_between_now(**search) -> list[TrainAvailability]:
    """Return bookings.selectors.trains_between(**search), with every seat of a hold that has ended free.

    The search counts a hold's seats as taken until its end is written; a journey where one has
    ended is brought to now (its seats reaching the waitlist first) and counted again, from the
    database written.
    """
    rows = trains_between(**search)
    ended = [(row.train_id, row.journey_date) for row in rows if row.holds_ended]
    if not ended:
        return rows
    journey_events.journeys_settle_due(journeys=ended, now=timezone.now(), charts=False)
    return trains_between_on(database=DEFAULT_DB_ALIAS, **search)


def journey_seat_map_now(*, train_number: int, journey_date: datetime.date, **segment) -> SeatMap:
    """Return bookings.seat_maps.journey_seat_map, read again with the journey brought to now when a hold
    on it had ended."""
    seat_map = journey_seat_map(train_number=train_number, journey_date=journey_date, **segment)
    if not seat_map.holds_ended:
        return seat_map
    journey_events.journeys_settle_due(
        journeys=[(seat_map.train_id, journey_date)], now=timezone.now(), charts=False
    )
    return journey_seat_map(train_number=train_number, journey_date=journey_date, **segment)


def booking_page_now(
    *, user_id: int, limit: int, before: tuple[datetime.datetime, int] | None = None
) -> BookingPage:
    """Return bookings.selectors.booking_page, with the journeys of its holds and waiting bookings brought to
    now first when time has changed them."""
    page = booking_page(user_id=user_id, limit=limit, before=before)
    journeys = {
        (row["train_id"], row["journey_date"])
        for row in page.rows
        if row["status"] in (Booking.Status.HELD, Booking.Status.WAITLISTED)
    }
    if journeys:
        journey_events.journeys_settle_due(journeys=journeys, now=timezone.now())
        # Read again even when this call brought nothing to now: another request may have, since the
        # page was read.
        page = booking_page(user_id=user_id, limit=limit, before=before)
    return page


def bookings_bring_to_now(*, bookings: Iterable[Booking]) -> bool:
    """Bring to now the journeys of those of `bookings` held or waiting (bookings.journey_events); return
    whether there were any, so that the caller reads its bookings again: another request may have
    brought them to now since they were read, though this call found nothing to do."""
    journeys = {
        (booking.train_id, booking.journey_date)
        for booking in bookings
        if booking.status in (Booking.Status.HELD, Booking.Status.WAITLISTED)
    }
    if not journeys:
        return False
    journey_events.journeys_settle_due(journeys=journeys, now=timezone.now())
    return True


def journey_chart_for(*, actor: User, train_number: int, journey_date: datetime.date) -> JourneyChart:
    """Return the chart of train `train_number`'s journey on `journey_date`, for staff who may view bookings,
    charting the journey first if its time has come."""
    if not actor.has_perm("bookings.view_booking"):
        raise ChartForbidden()
    on_day = train_on_day(train_number=train_number, day=journey_date)
    if on_day is None:
        raise TrainNotFound()
    if not train_starts_on_given(train=on_day.train, day=journey_date, exception=on_day.exception):
        raise JourneyDateInvalid.not_running(train_number=train_number, journey_date=journey_date)
    now = timezone.now()
    chart_at = chart_time_on_day(on_day)
    journey_events.journey_chart_prepare(
        train_id=on_day.train.pk, journey_date=journey_date, now=now, chart_at=chart_at
    )
    journey_events.journeys_settle_due(journeys=[(on_day.train.pk, journey_date)], now=now)
    return journey_chart_read(on_day=on_day)
