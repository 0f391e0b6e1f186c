"""agency.txt: the time zone in which a feed's times of day are written."""

from trains.gtfs.source import FeedSource
from trains.time_zones import is_time_zone

AGENCY_FILE = "agency.txt"
REQUIRED_COLUMNS = ("agency_timezone",)


def read_time_zone(source: FeedSource) -> str | None:
    """Return the agencies' time zone, the one every agency of a feed shares; None without agencies.

    A zone that is not an IANA time zone, or agencies in different zones, are errors of the feed.
    """
    first: tuple[str, int] | None = None
    for line, values in source.rows(AGENCY_FILE, REQUIRED_COLUMNS):
        time_zone = values["agency_timezone"]
        if not is_time_zone(time_zone):
            source.error(AGENCY_FILE, line, f"agency_timezone '{time_zone}' is not an IANA time zone")
        elif first is None:
            first = (time_zone, line)
        elif time_zone != first[0]:
            message = (
                f"agency_timezone '{time_zone}' differs from '{first[0]}' on line {first[1]}; "
                "the agencies of a feed share one time zone"
            )
            source.error(AGENCY_FILE, line, message)
    return first[0] if first is not None else None
