"""How long a hold keeps its seats: its end, the limit of its extensions, and when it has lapsed.

A hold lapses at its end exactly: from `expires_at` on, its seats are free in every answer and
every sale, whether or not anything has written so yet (bookings.journey_events).
"""

import datetime

from django.conf import settings

from bookings.errors import HoldExpired, HoldLimitReached


def hold_times(*, start: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """Return the end of a hold beginning at `start`, and the latest its extensions may move it to."""
    return (
        start + datetime.timedelta(seconds=settings.HOLD_TTL_SECONDS),
        start + datetime.timedelta(seconds=settings.HOLD_MAX_SECONDS),
    )


def hold_lapsed(*, expires_at: datetime.datetime, now: datetime.datetime) -> bool:
    """Return whether a hold ending at `expires_at` has lapsed at `now`: its end is not part of it."""
    return now >= expires_at


def hold_extended(
    *, expires_at: datetime.datetime, hold_limit_at: datetime.datetime, now: datetime.datetime
) -> datetime.datetime:
    """Return a live hold's end moved on by HOLD_TTL_SECONDS, never past its limit, or raise why not.

    A hold short of its limit by less than a whole extension is moved to the limit; one there is refused.
    """
    if hold_lapsed(expires_at=expires_at, now=now):
        raise HoldExpired(expires_at=expires_at)
    if expires_at >= hold_limit_at:
        raise HoldLimitReached(hold_limit_at=hold_limit_at)
    return min(expires_at + datetime.timedelta(seconds=settings.HOLD_TTL_SECONDS), hold_limit_at)
