"""Stations' time zones, and the instants of a timetable counted in them.

A train's `departs_at` is a time at its first station, and a journey's date is the date there.
As in GTFS, a journey starts `departs_at` after noon minus 12 hours of its date in that zone
(midnight, except on the nights the clocks change), and reaches each stop the stop's elapsed
time later: a night when the clocks change lasts as long on the timetable as on the train.
"""

import datetime
import functools
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError

from railway.errors import Invalid

TIME_ZONE_MAX_LENGTH = 64
HALF_A_DAY = datetime.timedelta(hours=12)
NOON = datetime.time(12)


class UnknownTimeZone(Invalid):
    default_code = "unknown_time_zone"

    def __init__(self, name: str, *, field: str = "time_zone") -> None:
        super().__init__(
            f"'{name}' is not an IANA time zone such as 'Europe/Paris' or 'Asia/Kolkata'.", field=field
        )


def service_time_zone() -> str:
    """Return the service's TIME_ZONE: the time zone of a station given none."""
    return settings.TIME_ZONE


@functools.cache
def time_zone_names() -> frozenset[str]:
    """Return the names of the IANA time zones this system knows."""
    # "localtime" names the host's own zone, which is no place a station can be.
    return frozenset(zoneinfo.available_timezones() - {"localtime"})


def is_time_zone(name: str) -> bool:
    """Return whether `name` is an IANA time zone name (such as "Europe/Paris")."""
    return name in time_zone_names()


def time_zone_check(name: str) -> None:
    """Raise UnknownTimeZone unless `name` is an IANA time zone name."""
    if not is_time_zone(name):
        raise UnknownTimeZone(name)


def time_zone_validator(name: str) -> None:
    """Validate a model field or form value as an IANA time zone name."""
    if not is_time_zone(name):
        raise ValidationError(
            "'%(name)s' is not an IANA time zone such as 'Europe/Paris'.",
            code="unknown_time_zone",
            params={"name": name},
        )


@functools.cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    """Return the time zone named `name`, built once per process."""
    return zoneinfo.ZoneInfo(name)


@functools.lru_cache(maxsize=4096)
def service_day_start(day: datetime.date, time_zone: str) -> datetime.datetime:
    """Return the instant (UTC) from which the times of a journey dated `day` count: noon minus 12 h there."""
    noon = datetime.datetime.combine(day, NOON, tzinfo=zone(time_zone))
    return noon.astimezone(datetime.UTC) - HALF_A_DAY


def journey_start(
    *, journey_date: datetime.date, departs_at: datetime.time, time_zone: str
) -> datetime.datetime:
    """Return the instant (UTC) a journey dated `journey_date` leaves its first station, in `time_zone`."""
    return service_day_start(journey_date, time_zone) + time_of_day(departs_at)


def time_of_day(moment: datetime.time) -> datetime.timedelta:
    """Return a time of day as the time since the start of its day."""
    return datetime.timedelta(seconds=moment.hour * 3600 + moment.minute * 60 + moment.second)


def local_date(moment: datetime.datetime, time_zone: str) -> datetime.date:
    """Return the date at `moment` in `time_zone`."""
    return moment.astimezone(zone(time_zone)).date()


def in_zone(moment: datetime.datetime, time_zone: str) -> datetime.datetime:
    """Return `moment` as the clock in `time_zone` shows it, with that zone's offset."""
    return moment.astimezone(zone(time_zone))
