"""A plain model of one journey's sales, holds, waitlist and chart (booking-product.md sections 3 and 4).

It decides every outcome itself: refusals, statuses, hold ends, places on the waitlist, which
waiting bookings are served when seats are freed, refunds and the seats free. The one thing it
takes from the service is which seats a party was given, since the seat rule's choice decides
which later segments fit; it checks that those seats were free on the whole segment in the
booking's class. A party fits when as many of its class's seats as it has passengers are each
free on every leg of its segment: the service seats it whenever they are.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
NOTHING = Decimal("0.00")

HELD, CONFIRMED, WAITLISTED, CANCELLED = "held", "confirmed", "waitlisted", "cancelled"
REQUESTED, HOLD_EXPIRED, NOT_CONFIRMED_AT_CHART = "requested", "hold_expired", "not_confirmed_at_chart"

# The seats given to a booking's passengers, read from the service: passenger id -> seat number.
SeatsOf = Callable[[str], dict[int, int]]


class Refused(Exception):
    """What the service must refuse a request with: its machine code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class ReferencePassenger:
    passenger_id: int
    fare: Decimal
    status: str
    seat_number: int | None = None
    refund: Decimal | None = None


@dataclass
class ReferenceBooking:
    pnr: str
    # The order of arrival on the journey: the order the waitlist serves in.
    arrival: int
    travel_class: str
    from_position: int
    to_position: int
    hold_requested: bool
    status: str
    passengers: list[ReferencePassenger]
    reason: str | None = None
    expires_at: datetime.datetime | None = None
    hold_limit_at: datetime.datetime | None = None

    @property
    def legs(self) -> range:
        return range(self.from_position, self.to_position)

    @property
    def live(self) -> list[ReferencePassenger]:
        return [passenger for passenger in self.passengers if passenger.status != CANCELLED]

    @property
    def paid(self) -> bool:
        return self.status == CONFIRMED or (self.status == WAITLISTED and not self.hold_requested)

    @property
    def refund_total(self) -> Decimal:
        return sum((p.refund for p in self.passengers if p.refund is not None), NOTHING)

    @property
    def fare_total(self) -> Decimal:
        return sum((p.fare for p in self.passengers), NOTHING)


@dataclass
class ReferenceJourney:
    """One journey: the seats of each class, the bookings in order of arrival, and the time it is at."""

    class_seats: dict[str, list[int]]
    # The fare of one passenger of a class on a segment: (class, from, to) -> fare.
    fare_of: Callable[[str, int, int], Decimal]
    # When the train leaves each stop, for the refund bands.
    leaves_at: list[datetime.datetime]
    chart_at: datetime.datetime
    hold_ttl: datetime.timedelta
    hold_max: datetime.timedelta
    waitlist_max: dict[str, int]
    # (hours, rule) from the widest band down: "fee" or a share of the fare.
    refund_bands: list[tuple[int, object]]
    cancellation_fee: Decimal
    now: datetime.datetime
    bookings: dict[str, ReferenceBooking] = field(default_factory=dict)
    # (seat, leg) -> the PNR holding it.
    taken: dict[tuple[int, int], str] = field(default_factory=dict)
    charted: bool = False

    # Reading.

    def seats_free(self, travel_class: str, legs: range) -> list[int]:
        return [
            seat
            for seat in self.class_seats[travel_class]
            if all((seat, leg) not in self.taken for leg in legs)
        ]

    def waiting(self) -> list[ReferenceBooking]:
        return sorted(
            (booking for booking in self.bookings.values() if booking.status == WAITLISTED),
            key=lambda booking: booking.arrival,
        )

    def waitlist_position(self, booking: ReferenceBooking) -> int | None:
        if booking.status != WAITLISTED:
            return None
        return 1 + sum(
            1
            for other in self.waiting()
            if other.travel_class == booking.travel_class and other.arrival < booking.arrival
        )

    def passengers_waiting(self, travel_class: str) -> int:
        return sum(len(booking.live) for booking in self.waiting() if booking.travel_class == travel_class)

    def live_holds(self) -> list[ReferenceBooking]:
        return [booking for booking in self.bookings.values() if booking.status == HELD]

    # Time.

    def advance(self, now: datetime.datetime, seats_of: SeatsOf) -> None:
        """Bring the journey to `now`: every hold ended lapses at its end and serves the waitlist then, and
        the chart comes at its time, before a hold ending at the same instant."""
        assert now >= self.now, "the clock only moves forward"
        while True:
            ended = sorted(
                (booking for booking in self.live_holds() if booking.expires_at <= now),
                key=lambda booking: (booking.expires_at, booking.arrival),
            )
            lapse = ended[0] if ended else None
            if (
                not self.charted
                and self.chart_at <= now
                and (lapse is None or self.chart_at <= lapse.expires_at)
            ):
                self._chart()
                continue
            if lapse is None:
                break
            self._release(lapse, lapse.live, refunds=[NOTHING] * len(lapse.live), reason=HOLD_EXPIRED)
            if not self.charted:
                self._serve(at=lapse.expires_at, seats_of=seats_of)
        self.now = now

    def _chart(self) -> None:
        for booking in self.waiting():
            refunds = [passenger.fare if booking.paid else NOTHING for passenger in booking.live]
            self._release(booking, booking.live, refunds=refunds, reason=NOT_CONFIRMED_AT_CHART)
        self.charted = True

    # Seats.

    def _take(self, booking: ReferenceBooking, seats: dict[int, int]) -> None:
        """Seat the live passengers of `booking` on `seats`, checking that each was free on its whole segment
        in its class."""
        assert all(p.passenger_id in seats for p in booking.live), (
            f"{booking.pnr} seated without seats: {seats}"
        )
        given = [seats[p.passenger_id] for p in booking.live]
        assert len(set(given)) == len(given), f"one seat given twice in {booking.pnr}: {seats}"
        free = set(self.seats_free(booking.travel_class, booking.legs))
        for passenger in booking.live:
            seat = seats[passenger.passenger_id]
            assert seat in free, f"seat {seat} given to {booking.pnr} is not free on its segment in its class"
            passenger.seat_number = seat
            for leg in booking.legs:
                self.taken[(seat, leg)] = booking.pnr

    def _release(
        self,
        booking: ReferenceBooking,
        leaving: list[ReferencePassenger],
        *,
        refunds: list[Decimal],
        reason: str,
    ) -> None:
        for passenger, refund in zip(leaving, refunds, strict=True):
            if passenger.status in (HELD, CONFIRMED):
                for leg in booking.legs:
                    del self.taken[(passenger.seat_number, leg)]
            passenger.status = CANCELLED
            passenger.refund = refund
        if not booking.live:
            booking.status = CANCELLED
            booking.reason = reason

    def _serve(self, *, at: datetime.datetime, seats_of: SeatsOf) -> None:
        """Seat every waiting booking that fits, in order of arrival; one served asking for a hold is held
        from `at`."""
        for booking in self.waiting():
            if len(self.seats_free(booking.travel_class, booking.legs)) < len(booking.live):
                continue
            booking.status = HELD if booking.hold_requested else CONFIRMED
            for passenger in booking.live:
                passenger.status = booking.status
            if booking.hold_requested:
                booking.expires_at, booking.hold_limit_at = at + self.hold_ttl, at + self.hold_max
            self._take(booking, seats_of(booking.pnr))

    # Requests, at `now` once the journey is brought there.

    def sale_status(
        self,
        *,
        travel_class: str,
        from_position: int,
        to_position: int,
        party: int,
        hold: bool,
        waitlist: bool,
    ) -> str:
        """Return the status a sale gets, or raise Refused."""
        charted = self.now >= self.chart_at
        if hold and charted:
            raise Refused("journey_charted")
        if len(self.seats_free(travel_class, range(from_position, to_position))) >= party:
            return HELD if hold else CONFIRMED
        if not waitlist:
            raise Refused("insufficient_seats")
        if charted:
            raise Refused("journey_charted")
        if self.passengers_waiting(travel_class) + party > self.waitlist_max[travel_class]:
            raise Refused("waitlist_full")
        return WAITLISTED

    def sale_record(
        self,
        *,
        pnr: str,
        travel_class: str,
        from_position: int,
        to_position: int,
        party: int,
        hold: bool,
        status: str,
        seats: dict[int, int],
    ) -> ReferenceBooking:
        fare = self.fare_of(travel_class, from_position, to_position)
        booking = ReferenceBooking(
            pnr=pnr,
            arrival=len(self.bookings),
            travel_class=travel_class,
            from_position=from_position,
            to_position=to_position,
            hold_requested=hold,
            status=status,
            passengers=[
                ReferencePassenger(passenger_id=n, fare=fare, status=status) for n in range(1, party + 1)
            ],
        )
        if status == HELD:
            booking.expires_at, booking.hold_limit_at = self.now + self.hold_ttl, self.now + self.hold_max
        self.bookings[pnr] = booking
        if status != WAITLISTED:
            self._take(booking, seats)
        return booking

    def cancel(self, pnr: str, passenger_ids: list[int] | None, seats_of: SeatsOf) -> Decimal:
        """Cancel the passengers asked for (None: all left) and serve the waitlist; return the refund."""
        booking = self.bookings[pnr]
        if booking.status == CANCELLED:
            raise Refused("already_cancelled")
        if passenger_ids is None:
            leaving = booking.live
        else:
            by_id = {passenger.passenger_id: passenger for passenger in booking.passengers}
            if any(by_id[pid].status == CANCELLED for pid in passenger_ids):
                raise Refused("already_cancelled")
            leaving = [by_id[pid] for pid in sorted(set(passenger_ids))]
        paid = booking.paid
        refunds = [
            self._refund(booking, passenger.fare)
            if paid and passenger.status != WAITLISTED
            else (passenger.fare if paid else NOTHING)
            for passenger in leaving
        ]
        self._release(booking, leaving, refunds=refunds, reason=REQUESTED)
        self._serve(at=self.now, seats_of=seats_of)
        return sum(refunds, NOTHING)

    def _refund(self, booking: ReferenceBooking, fare: Decimal) -> Decimal:
        ahead = self.leaves_at[booking.from_position] - self.now
        for hours, rule in self.refund_bands:
            if ahead > datetime.timedelta(hours=hours):
                if rule == "fee":
                    return max(NOTHING, fare - self.cancellation_fee).quantize(CENT, rounding=ROUND_HALF_UP)
                return (fare * rule).quantize(CENT, rounding=ROUND_HALF_UP)
        return NOTHING

    def _hold_refusal(self, booking: ReferenceBooking) -> None:
        if booking.status == CANCELLED:
            raise Refused("hold_expired" if booking.reason == HOLD_EXPIRED else "already_cancelled")
        if booking.status == WAITLISTED:
            raise Refused("not_held")

    def confirm(self, pnr: str) -> None:
        booking = self.bookings[pnr]
        self._hold_refusal(booking)
        if booking.status == HELD:
            booking.status = CONFIRMED
            for passenger in booking.live:
                passenger.status = CONFIRMED

    def extend(self, pnr: str) -> None:
        booking = self.bookings[pnr]
        self._hold_refusal(booking)
        if booking.status != HELD:
            raise Refused("not_held")
        if booking.expires_at >= booking.hold_limit_at:
            raise Refused("hold_limit_reached")
        booking.expires_at = min(booking.expires_at + self.hold_ttl, booking.hold_limit_at)
