"""Passengers leaving a booking, the one write every cancellation, lapse of a hold and chart shares."""

import datetime
from decimal import Decimal

from django.db.models import Case, Value, When

from bookings import inventory
from bookings.models import Booking, Passenger


def booking_paid(booking: Booking) -> bool:
    """Return whether the booking's fares were paid: sold outright, or a hold confirmed. A hold and a place
    on the waitlist asked for with a hold are paid only once confirmed."""
    return booking.status == Booking.Status.CONFIRMED or (
        booking.status == Booking.Status.WAITLISTED and not booking.hold_requested
    )


def passengers_release(
    *,
    booking: Booking,
    passengers: dict[int, Passenger],
    refunds: dict[int, Decimal],
    at: datetime.datetime,
    reason: str,
    journey_open: bool = True,
) -> list[int]:
    """Cancel the passengers of `refunds` (id: refund) of `booking` at `at`, free the seats they hold on its
    segment, and cancel the booking for `reason` once none is left; return the seats freed.

    `passengers` are the booking's, by id. The caller holds the journey's lock, and serves the
    waitlist with the seats freed.
    """
    leaving = sorted(refunds)
    Passenger.objects.filter(booking=booking, passenger_id__in=leaving).update(
        status=Passenger.Status.CANCELLED,
        cancelled_at=at,
        refund=Case(*(When(passenger_id=pid, then=Value(refund)) for pid, refund in refunds.items())),
    )
    seated = [
        passengers[pid].seat_number
        for pid in leaving
        if passengers[pid].status in (Passenger.Status.HELD, Passenger.Status.CONFIRMED)
    ]
    booking.seats_cancelled += len(leaving)
    booking.refund_total += sum(refunds.values(), Decimal("0.00"))
    if booking.seats_cancelled == booking.seat_count:
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = at
        booking.cancel_reason = reason
    # By the journey's key as well as the id, so that the write stays on the journey's shard.
    Booking.objects.filter(
        pk=booking.pk, train_id=booking.train_id, journey_date=booking.journey_date
    ).update(
        status=booking.status,
        cancelled_at=booking.cancelled_at,
        cancel_reason=booking.cancel_reason,
        seats_cancelled=booking.seats_cancelled,
        refund_total=booking.refund_total,
    )
    for pid in leaving:
        passengers[pid].status = Passenger.Status.CANCELLED
        passengers[pid].cancelled_at = at
        passengers[pid].refund = refunds[pid]
    if not seated:
        return []
    return inventory.seats_release(booking=booking, seats=seated, journey_open=journey_open)
