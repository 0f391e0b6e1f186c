"""Timetable variants: the trains that share one number, and the rule that keeps them apart.

A number may cover several active trains (its variants), one for each part of the calendar;
a sale or a search picks the variant that runs on the date asked. So no two active variants of
a number may start a journey on one date. `variants_sharing_a_date` is that rule; the GTFS reader
(for the trips of a feed), the import (for trains it does not replace) and the admin call it.
Plain data only: trains.selectors reads the variants of a number from the database.
"""

import datetime
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RunningDates:
    """A set of dates as the bits of an integer: bit i is the date `first` + i days.

    A year of dates is 46 bytes, and the set operations run over machine words, so that a feed
    of tens of thousands of trips compares their dates in a blink, and a crafted calendar of a
    thousand years costs a few kilobytes.
    """

    first: datetime.date
    bits: int

    @classmethod
    def of(cls, dates: Iterable[datetime.date]) -> "RunningDates":
        """Return the set of the given dates."""
        dates = sorted(set(dates))
        if not dates:
            return EMPTY
        first = dates[0]
        return cls(first, sum(1 << (day - first).days for day in dates))

    @classmethod
    def weekly(cls, *, weekdays: Iterable[int], first: datetime.date, last: datetime.date) -> "RunningDates":
        """Return the dates from `first` to `last` (both included) that fall on `weekdays` (0 Monday)."""
        if last < first:
            return EMPTY
        days = set(weekdays)
        week = "".join("1" if (first.weekday() + offset) % 7 in days else "0" for offset in range(7))
        length = (last - first).days + 1
        pattern = (week * (length // 7 + 1))[:length]
        # The first date is the lowest bit: the string is read right to left.
        return cls(first, int(pattern[::-1], 2))

    def __bool__(self) -> bool:
        return self.bits != 0

    def __len__(self) -> int:
        return self.bits.bit_count()

    def __contains__(self, day: datetime.date) -> bool:
        offset = (day - self.first).days
        return offset >= 0 and bool(self.bits >> offset & 1)

    def _aligned(self, other: "RunningDates") -> tuple[datetime.date, int, int]:
        first = min(self.first, other.first)
        return first, self.bits << (self.first - first).days, other.bits << (other.first - first).days

    def __or__(self, other: "RunningDates") -> "RunningDates":
        first, mine, theirs = self._aligned(other)
        return RunningDates(first, mine | theirs)

    def __and__(self, other: "RunningDates") -> "RunningDates":
        first, mine, theirs = self._aligned(other)
        return RunningDates(first, mine & theirs)

    def __sub__(self, other: "RunningDates") -> "RunningDates":
        first, mine, theirs = self._aligned(other)
        return RunningDates(first, mine & ~theirs)

    def shifted(self, days: int) -> "RunningDates":
        """Return the dates `days` later each."""
        return RunningDates(self.first + datetime.timedelta(days=days), self.bits)

    def earliest(self) -> datetime.date | None:
        """Return the first date of the set, None if it is empty."""
        if not self.bits:
            return None
        return self.first + datetime.timedelta(days=(self.bits & -self.bits).bit_length() - 1)

    def latest(self) -> datetime.date | None:
        """Return the last date of the set, None if it is empty."""
        if not self.bits:
            return None
        return self.first + datetime.timedelta(days=self.bits.bit_length() - 1)


EMPTY = RunningDates(datetime.date(2000, 1, 1), 0)


@dataclass(frozen=True)
class Calendar:
    """When a train starts its journeys: Train.runs_on and its dates of service, and its exceptions."""

    runs_on: int
    service_from: datetime.date | None
    service_until: datetime.date | None
    exceptions: Mapping[datetime.date, bool]


def variants_sharing_a_date(
    variants: Iterable[tuple[Key, RunningDates]],
) -> list[tuple[Key, Key, datetime.date]]:
    """Return (earlier, later, date) for each variant that starts on a date an earlier one starts on.

    `variants` are (key, start dates) in the order they are given; a later variant is named once,
    with the earliest of its dates that an earlier one has, and the first such earlier variant.
    """
    held: list[tuple[Key, RunningDates]] = []
    every = EMPTY
    clashes = []
    for key, dates in variants:
        day = (dates & every).earliest()
        if day is not None:
            holder = next(earlier for earlier, theirs in held if day in theirs)
            clashes.append((holder, key, day))
            continue
        held.append((key, dates))
        every |= dates
    return clashes


def calendar_dates(calendar: Calendar, *, first: datetime.date, last: datetime.date) -> RunningDates:
    """Return the dates from `first` to `last` (both included) on which the calendar starts a journey."""
    weekly = RunningDates.weekly(
        weekdays=[day for day in range(7) if calendar.runs_on & (1 << day)],
        first=max(first, calendar.service_from or first),
        last=min(last, calendar.service_until or last),
    )
    within = [day for day in calendar.exceptions if first <= day <= last]
    added = RunningDates.of(day for day in within if calendar.exceptions[day])
    removed = RunningDates.of(day for day in within if not calendar.exceptions[day])
    return (weekly | added) - removed


def calendars_span(
    calendars: Iterable[Calendar], *, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """Return a span of dates outside which every calendar only repeats its weeks.

    Past every date any of them names (a bound or an exception), each calendar runs the same
    weekdays week after week, so a date two of them share there is found in the week either side.
    Calendars of weekdays alone take the week from `today`.
    """
    named = [
        day
        for calendar in calendars
        for day in (calendar.service_from, calendar.service_until, *calendar.exceptions)
        if day is not None
    ]
    if not named:
        return today, today + 6 * DAY
    return min(named) - 7 * DAY, max(named) + 7 * DAY


def calendars_sharing_a_date(
    calendars: Iterable[tuple[Key, Calendar]], *, today: datetime.date
) -> list[tuple[Key, Key, datetime.date]]:
    """Return variants_sharing_a_date for trains given by their calendars (trains.models.Train's terms)."""
    calendars = list(calendars)
    first, last = calendars_span((calendar for _, calendar in calendars), today=today)
    return variants_sharing_a_date(
        (key, calendar_dates(calendar, first=first, last=last)) for key, calendar in calendars
    )
