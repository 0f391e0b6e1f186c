"""Timetable variants: the trains that share one number, and the rule that keeps them apart.

A number may cover several active trains (its variants), one for each part of the calendar;
a sale or a search picks the variant that runs on the date asked. So no two active variants of
a number may start a journey on one date. `variants_sharing_a_date` is that rule; the GTFS reader
(for the trips of a feed), the import (for trains it does not replace) and the admin call it.
"""

import datetime
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.utils import timezone

from trains.models import ServiceException, Train
from trains.selectors import timetable_starts_on

Key = TypeVar("Key", bound=Hashable)
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    """When a train starts its journeys: Train.runs_on and its dates of service, and its exceptions."""

    runs_on: int
    service_from: datetime.date | None
    service_until: datetime.date | None
    exceptions: Mapping[datetime.date, bool]


def variants_sharing_a_date(
    variants: Iterable[tuple[Key, Iterable[datetime.date]]],
) -> list[tuple[Key, Key, datetime.date]]:
    """Return (earlier, later, date) for each variant that starts on a date an earlier one starts on.

    `variants` are (key, start dates) in the order they are given; a later variant is named once,
    with the first of its dates (in their order) that an earlier one has, and that variant. The
    cost is one look-up per date, so that a national feed's thousands of trips check in linear time.
    """
    holders: dict[datetime.date, Key] = {}
    clashes = []
    for key, dates in variants:
        own = list(dates)
        shared = next(((holders[day], day) for day in own if day in holders), None)
        if shared is not None:
            clashes.append((shared[0], key, shared[1]))
            continue
        holders.update(dict.fromkeys(own, key))
    return clashes


def calendar_dates(calendar: Calendar, *, first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Return the dates from `first` to `last` (both included) on which the calendar starts a journey."""
    dates = []
    day = first
    while day <= last:
        runs = calendar.exceptions.get(day)
        if (
            runs
            if runs is not None
            else timetable_starts_on(
                runs_on=calendar.runs_on,
                service_from=calendar.service_from,
                service_until=calendar.service_until,
                day=day,
            )
        ):
            dates.append(day)
        day += DAY
    return dates


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


def train_calendars(*, trains: Iterable[Train]) -> dict[int, Calendar]:
    """Return the calendars of saved trains by id, their exceptions read in one query."""
    trains = list(trains)
    exceptions: dict[int, dict[datetime.date, bool]] = {train.pk: {} for train in trains}
    rows = ServiceException.objects.filter(train__in=[train.pk for train in trains]).order_by()
    for train_id, day, runs in rows.values_list("train_id", "date", "runs"):
        exceptions[train_id][day] = runs
    return {
        train.pk: Calendar(train.runs_on, train.service_from, train.service_until, exceptions[train.pk])
        for train in trains
    }


def variant_clash(
    *, train_number: int, calendar: Calendar, other_than: int | None = None
) -> tuple[Train, datetime.date] | None:
    """Return an active train numbered `train_number` starting on a date `calendar` starts on, and the date.

    `other_than` is the id of the train the calendar is for, when it is saved already.
    """
    others = Train.objects.filter(train_number=train_number, withdrawn_at__isnull=True).exclude(pk=other_than)
    trains = {train.pk: train for train in others}
    if not trains:
        return None
    calendars: list[tuple[int | None, Calendar]] = [*train_calendars(trains=trains.values()).items()]
    # Last, so that it is the one named against an earlier variant.
    clashes = calendars_sharing_a_date([*calendars, (None, calendar)], today=timezone.localdate())
    return next(((trains[earlier], day) for earlier, later, day in clashes if later is None), None)
