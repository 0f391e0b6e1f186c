"""The waitlist: how many may wait, and serving the bookings waiting when seats are freed.

A journey's bookings wait by class in order of arrival (their ids, which a sale takes under the
journey's lock). Whenever seats are freed, in the same transaction, every waiting booking whose
whole party now fits on its whole segment in its class is seated by the seat rule, in that order;
one that does not fit keeps its place. So between transactions no waiting booking fits, and a
seat free in an answer or to a sale is owed to none of them.
"""

import datetime
import json
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db import connection
from django.db.models import Sum

from bookings import inventory
from bookings.allocation import Candidate, stretches_left
from bookings.errors import InsufficientSeats, WaitlistFull
from bookings.holds import hold_times
from bookings.models import Booking, FreeStretch, Journey, Passenger
from bookings.passengers import passengers_seat, seat_position_of
from railway.db.statements import Writes
from trains.seat_numbers import class_seat_ranges
from trains.selectors import CoachOnDay, train_coaches_by_id


def waitlist_max(*, class_seats: int) -> int:
    """Return how many passengers may wait on a journey in a class of `class_seats` seats."""
    if settings.WAITLIST_MAX_PER_CLASS is not None:
        return settings.WAITLIST_MAX_PER_CLASS
    return class_seats * 3 // 10


def waitlist_room_check(*, waiting: int, count: int, class_seats: int) -> None:
    """Refuse `count` more passengers on a waitlist where `waiting` already wait, past its cap."""
    cap = waitlist_max(class_seats=class_seats)
    if waiting + count > cap:
        raise WaitlistFull(waitlist_max=cap, waiting=waiting)


def passengers_waiting(*, train_id: int, journey_date: datetime.date, travel_class: str) -> int:
    """Return how many passengers wait on the journey in the class."""
    waiting = Booking.objects.filter(
        train_id=train_id,
        journey_date=journey_date,
        travel_class=travel_class,
        status=Booking.Status.WAITLISTED,
    ).aggregate(passengers=Sum("seat_count") - Sum("seats_cancelled"))
    return waiting["passengers"] or 0


def _class_ranges(coaches: Sequence[CoachOnDay]) -> dict[str, inventory.SeatRanges]:
    """Return the seat ranges of each class of the coaches; none (every seat) for a train of one class."""
    classes = list(dict.fromkeys(coach.travel_class for coach in coaches))
    spans = [(coach.travel_class, coach.first_seat, coach.last_seat) for coach in coaches]
    return {
        travel_class: () if len(classes) == 1 else class_seat_ranges(coaches=spans, travel_class=travel_class)
        for travel_class in classes
    }


def _in_ranges(seat_number: int, seat_ranges: inventory.SeatRanges) -> bool:
    return not seat_ranges or any(first <= seat_number <= last for first, last in seat_ranges)


def _freed_seat_covers(
    free_now: dict[int, list[tuple[int, int]]],
    *,
    from_position: int,
    to_position: int,
    seat_ranges: inventory.SeatRanges,
) -> bool:
    """Return whether a seat freed (`free_now`: its stretches still free) is free on the whole segment in
    the class."""
    return any(
        _in_ranges(seat, seat_ranges) and first <= from_position and last >= to_position
        for seat, stretches in free_now.items()
        for first, last in stretches
    )


def waitlist_serve(
    *,
    train_id: int,
    journey_date: datetime.date,
    at: datetime.datetime,
    freed: Sequence[int] | None,
    shrunk: int | None = None,
) -> list[int]:
    """Seat the journey's waiting bookings that now fit, in order of arrival; return the ids served.

    The caller holds the journey's lock and has just freed the seats `freed` (None: seats were
    added, or anything else that may let any booking fit). Since no waiting booking fitted
    before, one fits now only if a seat freed is free on its whole segment in its class: the
    others are passed over without a read, but `shrunk`, a waiting booking that has just lost
    passengers. A booking served asking for a hold is held from `at` on.
    """
    # Plain rows, not models: behind a long waitlist most bookings are passed over unread.
    waiting = list(
        Booking.objects.filter(train_id=train_id, journey_date=journey_date, status=Booking.Status.WAITLISTED)
        .order_by("id")
        .values_list(
            "id",
            "from_position",
            "to_position",
            "travel_class",
            "hold_requested",
            "seat_count",
            "seats_cancelled",
        )
    )
    if not waiting or (freed == [] and shrunk is None):
        return []
    free_now: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if freed is not None:
        for seat, first, last in FreeStretch.objects.filter(
            train_id=train_id, journey_date=journey_date, seat_number__in=list(freed)
        ).values_list("seat_number", "from_position", "to_position"):
            free_now[seat].append((first, last))
        if not free_now and shrunk is None:
            return []
    coaches = train_coaches_by_id(train_id=train_id)
    ranges_of = _class_ranges(coaches)
    coach_starts = tuple(coach.first_seat for coach in coaches)

    def may_fit(
        booking_id: int, from_position: int, to_position: int, seat_ranges: inventory.SeatRanges
    ) -> bool:
        return (
            freed is None
            or booking_id == shrunk
            or _freed_seat_covers(
                free_now, from_position=from_position, to_position=to_position, seat_ranges=seat_ranges
            )
        )

    candidates = [
        row for row in waiting if row[3] in ranges_of and may_fit(row[0], row[1], row[2], ranges_of[row[3]])
    ]
    # The seats free on each candidate's segment, counted at once: serving earlier bookings only
    # takes seats, so a candidate with too few now never fits in this pass, and is passed over
    # without a look of its own.
    free_counts = inventory.seats_free_counts(
        journey=Journey(train_id=train_id, date=journey_date),
        segments=[(row[1], row[2], ranges_of[row[3]]) for row in candidates],
    )
    served: list[int] = []
    parties: dict[int, list[tuple[int, str]]] | None = None
    for (
        booking_id,
        from_position,
        to_position,
        travel_class,
        hold_requested,
        seat_count,
        cancelled,
    ), free in zip(candidates, free_counts, strict=True):
        seat_ranges = ranges_of[travel_class]
        if free < seat_count - cancelled or not may_fit(booking_id, from_position, to_position, seat_ranges):
            continue
        party_size = seat_count - cancelled
        state = inventory.seats_look(
            train_id=train_id,
            journey_date=journey_date,
            from_position=from_position,
            to_position=to_position,
            count=party_size,
            seat_ranges=seat_ranges,
        )
        # The first look reads at least as many seats as the party has, where there are: fewer, and
        # the party does not fit. It fits when the class has as many free on its whole segment, and
        # the seat rule then seats it, together where it can.
        if len(state.look.tightest) < party_size:
            continue
        if parties is None:
            # Read once, as plain rows, at the first booking that fits: those that fit are few.
            parties = defaultdict(list)
            for passenger_of, passenger_id, preference in (
                Passenger.objects.filter(
                    booking__train_id=train_id,
                    booking__journey_date=journey_date,
                    booking__status=Booking.Status.WAITLISTED,
                    status=Passenger.Status.WAITLISTED,
                )
                .order_by("booking_id", "passenger_id")
                .values_list("booking_id", "passenger_id", "preference")
            ):
                parties[passenger_of].append((passenger_id, preference))
        party = [
            Passenger(booking_id=booking_id, passenger_id=passenger_id, preference=preference)
            for passenger_id, preference in parties[booking_id]
        ]
        try:
            chosen = inventory.seats_choose(
                state=state,
                coach_starts=coach_starts,
                preferences=[passenger.preference or None for passenger in party],
                position_of=lambda seat_number: seat_position_of(coaches=coaches, seat_number=seat_number),
            )
        except InsufficientSeats:
            continue
        booking = Booking(
            id=booking_id,
            train_id=train_id,
            journey_date=journey_date,
            from_position=from_position,
            to_position=to_position,
            travel_class=travel_class,
            hold_requested=hold_requested,
        )
        _booking_seat(booking=booking, party=party, chosen=chosen, coaches=coaches, at=at)
        served.append(booking_id)
        for candidate in chosen:
            if candidate.seat_number in free_now:
                stretches = free_now[candidate.seat_number]
                stretches.remove((candidate.from_position, candidate.to_position))
                stretches.extend(
                    stretches_left(candidate, from_position=from_position, to_position=to_position)
                )
    return served


_BOOKING_SEATED = (
    "UPDATE bookings_booking SET status = %s, seat_numbers = %s, expires_at = %s, hold_limit_at = %s"
    " WHERE id = %s AND train_id = %s AND journey_date = %s"
)
_PASSENGER_SEATED = (
    "UPDATE bookings_passenger SET status = %s, coach = %s, seat = %s, seat_number = %s, position = %s,"
    " preference_met = %s WHERE booking_id = %s AND passenger_id = %s"
)


def _booking_seat(
    *,
    booking: Booking,
    party: list[Passenger],
    chosen: list[Candidate],
    coaches: Sequence[CoachOnDay],
    at: datetime.datetime,
) -> None:
    """Write the waiting `booking` served: its `party` on the `chosen` seats, confirmed, or held from `at`."""
    status = Booking.Status.HELD if booking.hold_requested else Booking.Status.CONFIRMED
    passengers_seat(passengers=party, chosen=chosen, coaches=coaches, status=status)
    booking.status = status
    booking.seat_numbers = sorted(candidate.seat_number for candidate in chosen)
    if booking.hold_requested:
        booking.expires_at, booking.hold_limit_at = hold_times(start=at)
    writes = Writes()
    writes.add(
        (
            _BOOKING_SEATED,
            [
                status,
                json.dumps(booking.seat_numbers),
                connection.ops.adapt_datetimefield_value(booking.expires_at),
                connection.ops.adapt_datetimefield_value(booking.hold_limit_at),
                booking.pk,
                booking.train_id,
                booking.journey_date,
            ],
        )
    )
    for passenger in party:
        writes.add(
            (
                _PASSENGER_SEATED,
                [
                    status,
                    passenger.coach,
                    passenger.seat,
                    passenger.seat_number,
                    passenger.position,
                    passenger.preference_met,
                    booking.pk,
                    passenger.passenger_id,
                ],
            )
        )
    for statement in inventory.seats_take(booking=booking, chosen=chosen):
        writes.add(statement)
    writes.run()
