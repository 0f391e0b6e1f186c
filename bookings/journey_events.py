"""What time does to a journey's bookings: holds lapse at their end, and the chart comes.

Neither waits for a job. Whatever reads or changes a journey first brings it to the present
(journey_settle), under the journey's lock, replaying what happened in the order it happened:
each hold that reached its end lapses at that moment, its seats going to the waitlist before
any later sale; the chart cancels the bookings still waiting at its time. A late reader sees
exactly what an immediate one would have, and ``manage.py prepare_charts`` only does ahead what
the first access would.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction

from bookings import inventory, waitlist
from bookings.cancellations import booking_paid, passengers_release
from bookings.charts import journey_chart_time
from bookings.models import Booking, Journey, Passenger
from bookings.refunds import passenger_refund

JourneyKey = tuple[int, datetime.date]


# What may have to be brought to the present on a journey: whether it is charted, whether bookings
# wait on it, and whether a hold of it has ended. Parameters: train id and date, three times; now.
_TIME_PASSED = (
    "SELECT (SELECT COUNT(*) FROM bookings_journey WHERE train_id = %s AND date = %s"
    " AND charted_at IS NOT NULL),"
    " EXISTS (SELECT 1 FROM bookings_booking WHERE train_id = %s AND journey_date = %s"
    " AND status = 'waitlisted'),"
    " EXISTS (SELECT 1 FROM bookings_booking WHERE train_id = %s AND journey_date = %s"
    " AND status = 'held' AND expires_at <= %s)"
)


def journey_settle(
    *,
    train_id: int,
    journey_date: datetime.date,
    now: datetime.datetime,
    chart_at: datetime.datetime | None = None,
) -> None:
    """Bring the journey to `now`: lapse its holds that have ended and prepare its chart if its time has come.

    The caller holds the journey's lock. `chart_at` is when the journey is charted, if the
    caller has read it (bookings.charts). One read when nothing is due.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _TIME_PASSED,
            [*(train_id, journey_date) * 3, connection.ops.adapt_datetimefield_value(now)],
        )
        charted, waiting, holds_ended = cursor.fetchone()
    charted = bool(charted)
    # A chart changes nothing but bookings waiting; with none, its time need not be read.
    chart_pending = bool(waiting) and not charted
    if not chart_pending and not holds_ended:
        return
    if chart_pending and chart_at is None:
        chart_at = journey_chart_time(train_id=train_id, journey_date=journey_date)
    held = Booking.objects.filter(train_id=train_id, journey_date=journey_date, status=Booking.Status.HELD)
    while True:
        lapsed = held.filter(expires_at__lte=now).order_by("expires_at", "id").first()
        chart_due = chart_pending and chart_at <= now
        if chart_due and (lapsed is None or chart_at <= lapsed.expires_at):
            journey_chart(train_id=train_id, journey_date=journey_date, at=chart_at)
            charted, chart_pending = True, False
            continue
        if lapsed is None:
            return
        freed = hold_lapse(booking=lapsed)
        if not charted:
            # A booking served may be held, and its hold may have ended by now too: the loop
            # finds it in its turn.
            waitlist.waitlist_serve(
                train_id=train_id, journey_date=journey_date, at=lapsed.expires_at, freed=freed
            )


def hold_lapse(*, booking: Booking) -> list[int]:
    """Cancel the held `booking` at its end, freeing its seats; return them. Nothing was paid: no refund."""
    passengers = {passenger.passenger_id: passenger for passenger in booking.passengers.all()}
    return passengers_release(
        booking=booking,
        passengers=passengers,
        refunds={
            pid: passenger_refund(fare=passenger.fare, paid=False, seated=True, before_departure=None)
            for pid, passenger in passengers.items()
            if passenger.status == Passenger.Status.HELD
        },
        at=booking.expires_at,
        reason=Booking.Reason.HOLD_EXPIRED,
    )


def journey_chart(*, train_id: int, journey_date: datetime.date, at: datetime.datetime) -> bool:
    """Chart the journey at `at`, unless it is charted: cancel every booking still waiting, refunding what
    was paid whole. Return whether this call charted it. The caller holds the journey's lock."""
    charted = Journey.objects.filter(train_id=train_id, date=journey_date, charted_at__isnull=True).update(
        charted_at=at
    )
    if not charted:
        return False
    waiting = Booking.objects.filter(
        train_id=train_id, journey_date=journey_date, status=Booking.Status.WAITLISTED
    ).order_by("id")
    for booking in waiting:
        passengers = {passenger.passenger_id: passenger for passenger in booking.passengers.all()}
        paid = booking_paid(booking)
        passengers_release(
            booking=booking,
            passengers=passengers,
            refunds={
                pid: passenger_refund(fare=passenger.fare, paid=paid, seated=False, before_departure=None)
                for pid, passenger in passengers.items()
                if passenger.status == Passenger.Status.WAITLISTED
            },
            at=at,
            reason=Booking.Reason.NOT_CONFIRMED_AT_CHART,
        )
    return True


def journey_settle_now(*, train_id: int, journey_date: datetime.date, now: datetime.datetime) -> None:
    """Take the journey's lock and bring it to `now` (journey_settle); nothing for a journey not open."""
    with transaction.atomic():
        if inventory.journey_lock(train_id=train_id, journey_date=journey_date) is not None:
            journey_settle(train_id=train_id, journey_date=journey_date, now=now)


# The journeys among some (train, date) pairs with a hold that has ended, or ({waiting}) with
# bookings waiting: the only ones whose bookings time may have changed. Parameters: now, then per
# journey its train id and date.
_UNSETTLED = (
    "SELECT DISTINCT booking.train_id, booking.journey_date FROM bookings_booking booking"
    " WHERE ((booking.status = 'held' AND booking.expires_at <= %s) {waiting}) AND ({journeys})"
)


def journeys_settle_due(
    *, journeys: Iterable[JourneyKey], now: datetime.datetime, charts: bool = True
) -> list[JourneyKey]:
    """Bring to `now` those of `journeys` that time has changed: a hold ended, or (with `charts`) the
    chart's time come with bookings waiting. Return those brought. One read when none is.

    Seats free do not depend on the chart, which cancels only bookings holding none: a reader of
    seats alone leaves `charts` out.
    """
    journeys = sorted(set(journeys))
    if not journeys:
        return []
    condition = " OR ".join(["(booking.train_id = %s AND booking.journey_date = %s)"] * len(journeys))
    with connection.cursor() as cursor:
        cursor.execute(
            _UNSETTLED.format(
                journeys=condition, waiting="OR booking.status = 'waitlisted'" if charts else ""
            ),
            [connection.ops.adapt_datetimefield_value(now), *(value for key in journeys for value in key)],
        )
        candidates = sorted(cursor.fetchall())
    settled = []
    for train_id, journey_date in candidates:
        journey_date = (
            journey_date
            if isinstance(journey_date, datetime.date)
            else datetime.date.fromisoformat(journey_date)
        )
        if not _holds_ended(train_id=train_id, journey_date=journey_date, now=now) and not (
            charts and _chart_due(train_id=train_id, journey_date=journey_date, now=now)
        ):
            continue
        journey_settle_now(train_id=train_id, journey_date=journey_date, now=now)
        settled.append((train_id, journey_date))
    return settled


def _holds_ended(*, train_id: int, journey_date: datetime.date, now: datetime.datetime) -> bool:
    return Booking.objects.filter(
        train_id=train_id, journey_date=journey_date, status=Booking.Status.HELD, expires_at__lte=now
    ).exists()


def _chart_due(*, train_id: int, journey_date: datetime.date, now: datetime.datetime) -> bool:
    """Return whether the journey, with bookings waiting, is past its chart's time and not charted."""
    if Journey.objects.filter(train_id=train_id, date=journey_date, charted_at__isnull=False).exists():
        return False
    return journey_chart_time(train_id=train_id, journey_date=journey_date) <= now


def journey_chart_prepare(
    *, train_id: int, journey_date: datetime.date, now: datetime.datetime, chart_at: datetime.datetime
) -> bool:
    """Chart the journey if `chart_at`, its chart's time, has come, bringing it to `now` in order; return
    whether this call charted it. Nothing for a journey not open: no booking waits on it."""
    if chart_at > now:
        return False
    with transaction.atomic():
        if inventory.journey_lock(train_id=train_id, journey_date=journey_date) is None:
            return False
        if Journey.objects.filter(train_id=train_id, date=journey_date, charted_at__isnull=False).exists():
            return False
        journey_settle(train_id=train_id, journey_date=journey_date, now=now, chart_at=chart_at)
        # Settling charts a journey only where bookings wait; the chart is marked all the same.
        journey_chart(train_id=train_id, journey_date=journey_date, at=chart_at)
        return True


def charts_prepare(*, now: datetime.datetime) -> int:
    """Chart every open journey whose chart's time has come by `now` and that is not charted yet; return
    how many this call charted. Each in a transaction of its own, under its lock."""
    # A journey leaves its first station on its date there, within a day of its date in UTC.
    latest = (now + datetime.timedelta(minutes=settings.CHART_MINUTES_BEFORE_DEPARTURE)).astimezone(
        datetime.UTC
    ).date() + datetime.timedelta(days=1)
    pending = (
        Journey.objects.filter(charted_at__isnull=True, date__lte=latest)
        .order_by("date", "train_id")
        .values_list("train_id", "date")
    )
    charted = 0
    for train_id, journey_date in pending:
        chart_at = journey_chart_time(train_id=train_id, journey_date=journey_date)
        charted += journey_chart_prepare(
            train_id=train_id, journey_date=journey_date, now=now, chart_at=chart_at
        )
    return charted
