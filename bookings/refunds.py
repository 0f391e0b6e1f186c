"""What a cancelled passenger gets back: a share of the fare that shrinks as the departure nears.

The bands are one setting, REFUND_BANDS: pairs (hours, rule) from the widest down, where a
passenger cancelling more than `hours` before the train leaves the boarding station gets the
first band's rule that applies. A rule is `"fee"` (the fare less CANCELLATION_FEE, never below
nothing) or a share of the fare (`Decimal("0.75")`). Nothing is refunded past the last band:
by then the train has left, and cancellation is refused (bookings.rules).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

CENT = Decimal("0.01")
NOTHING = Decimal("0.00")


def refund_due(*, fare: Decimal, before_departure: datetime.timedelta | None) -> Decimal:
    """Return the refund of a passenger's `fare`, cancelled `before_departure` ahead of the train leaving.

    A band's lower edge belongs to the band below it: exactly 48 hours ahead is not "over 48 h".
    None is the operator's cancellation (a journey a new timetable no longer runs): the whole fare.
    """
    if before_departure is None:
        return fare
    for hours, rule in settings.REFUND_BANDS:
        if before_departure > datetime.timedelta(hours=hours):
            if rule == "fee":
                return max(NOTHING, fare - settings.CANCELLATION_FEE).quantize(CENT, rounding=ROUND_HALF_UP)
            return (fare * rule).quantize(CENT, rounding=ROUND_HALF_UP)
    return NOTHING


def departure_ahead(
    *,
    boarding_date: datetime.date,
    boards_at: datetime.datetime | None,
    time_zone: str,
    now: datetime.datetime,
) -> datetime.timedelta:
    """Return how long before the train leaves the boarding station `now` is.

    A train with no time there counts from 00:00 local on its boarding date.
    """
    if boards_at is None:
        boards_at = datetime.datetime.combine(boarding_date, datetime.time(), tzinfo=ZoneInfo(time_zone))
    return boards_at - now


def passenger_refund(
    *, fare: Decimal, paid: bool, seated: bool, before_departure: datetime.timedelta | None
) -> Decimal:
    """Return what a passenger cancelled gets back: nothing of an unpaid hold, the whole fare of a paid
    place on the waitlist (no seat was ever had), and refund_due of a paid seat."""
    if not paid:
        return NOTHING
    if not seated:
        return fare
    return refund_due(fare=fare, before_departure=before_departure)
