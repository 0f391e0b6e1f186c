"""calendar.txt and calendar_dates.txt: the days the trains of each service_id run."""

import datetime
from dataclasses import dataclass, field

from trains.gtfs.feed import Service
from trains.gtfs.source import FeedSource

CALENDAR_FILE = "calendar.txt"
CALENDAR_DATES_FILE = "calendar_dates.txt"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CALENDAR_COLUMNS = ("service_id", *WEEKDAYS, "start_date", "end_date")
CALENDAR_DATES_COLUMNS = ("service_id", "date", "exception_type")
ADDED, REMOVED = "1", "2"
# Dates outside these years are typing errors (99991231 for "for ever"); inside them, a date and
# the day or days a train leaving after midnight moves it on stay within what Python and every
# database hold.
FIRST_YEAR, LAST_YEAR = 1900, 2999


@dataclass
class Exceptions:
    """The single dates a service runs or does not run on besides its weekly days."""

    added: set[datetime.date] = field(default_factory=set)
    removed: set[datetime.date] = field(default_factory=set)


def read_services(source: FeedSource) -> dict[str, Service]:
    """Return the services of calendar.txt and calendar_dates.txt by service_id; either file may be absent."""
    weekly = _read_calendar(source) if source.has(CALENDAR_FILE) else {}
    exceptions = _read_calendar_dates(source) if source.has(CALENDAR_DATES_FILE) else {}
    services = {}
    for service_id in dict.fromkeys([*weekly, *exceptions]):
        service = weekly.get(service_id) or _dates_only(service_id)
        dates = exceptions.get(service_id, Exceptions())
        services[service_id] = Service(
            service_id=service_id,
            weekdays=service.weekdays,
            start_date=service.start_date,
            end_date=service.end_date,
            added_dates=frozenset(dates.added),
            removed_dates=frozenset(dates.removed),
        )
    return services


def _dates_only(service_id: str) -> Service:
    return Service(service_id, frozenset(), None, None, frozenset(), frozenset())


def _read_calendar(source: FeedSource) -> dict[str, Service]:
    services: dict[str, Service] = {}
    lines: dict[str, int] = {}
    for line, values in source.rows(CALENDAR_FILE, CALENDAR_COLUMNS):
        service_id = values["service_id"]
        if not source.id_is_new(CALENDAR_FILE, line, "service_id", service_id, lines.get(service_id)):
            continue
        lines[service_id] = line
        for weekday in WEEKDAYS:
            if values[weekday] not in ("0", "1"):
                source.error(CALENDAR_FILE, line, f"{weekday} '{values[weekday]}' is not 0 or 1")
        start_date = _read_date(source, CALENDAR_FILE, line, values, "start_date")
        end_date = _read_date(source, CALENDAR_FILE, line, values, "end_date")
        if start_date and end_date and start_date > end_date:
            message = f"start_date {values['start_date']} is after end_date {values['end_date']}"
            source.error(CALENDAR_FILE, line, message)
        weekdays = frozenset(number for number, weekday in enumerate(WEEKDAYS) if values[weekday] == "1")
        services[service_id] = Service(service_id, weekdays, start_date, end_date, frozenset(), frozenset())
    return services


def _read_calendar_dates(source: FeedSource) -> dict[str, Exceptions]:
    exceptions: dict[str, Exceptions] = {}
    lines: dict[tuple[str, datetime.date], int] = {}
    for line, values in source.rows(CALENDAR_DATES_FILE, CALENDAR_DATES_COLUMNS):
        service_id, exception_type = values["service_id"], values["exception_type"]
        if not service_id:
            source.error(CALENDAR_DATES_FILE, line, "service_id is empty")
            continue
        # Known even when the row is wrong, so that its trips are not reported as well.
        dates = exceptions.setdefault(service_id, Exceptions())
        day = _read_date(source, CALENDAR_DATES_FILE, line, values, "date")
        if exception_type not in (ADDED, REMOVED):
            message = f"exception_type '{exception_type}' is not 1 (added) or 2 (removed)"
            source.error(CALENDAR_DATES_FILE, line, message)
        elif day is not None and (service_id, day) in lines:
            message = f"service '{service_id}' already has {values['date']} on line {lines[service_id, day]}"
            source.error(CALENDAR_DATES_FILE, line, message)
        elif day is not None:
            lines[service_id, day] = line
            (dates.added if exception_type == ADDED else dates.removed).add(day)
    return exceptions


def _read_date(
    source: FeedSource, file: str, line: int, values: dict[str, str], column: str
) -> datetime.date | None:
    """Return the column's YYYYMMDD date, or None after recording an error."""
    text = values[column]
    day = parse_date(text)
    if day is None:
        source.error(file, line, f"{column} '{text}' is not a date YYYYMMDD")
    elif not FIRST_YEAR <= day.year <= LAST_YEAR:
        source.error(file, line, f"{column} '{text}' is outside the years {FIRST_YEAR} to {LAST_YEAR}")
        return None
    return day


def parse_date(text: str) -> datetime.date | None:
    """Return the date written YYYYMMDD, or None if it is not one."""
    if len(text) != 8 or not (text.isascii() and text.isdigit()):
        return None
    try:
        return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
