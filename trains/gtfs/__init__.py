"""A reader of GTFS feeds: a timetable as operators publish it, read into plain, checked data.

It touches no database; the import command turns what it returns into trains.
See docs/gtfs.md for what it reads and how it maps GTFS onto the service.
"""

from trains.gtfs.errors import GtfsError, GtfsFeedInvalid, RejectedTrip
from trains.gtfs.feed import Call, Feed, Service, Station, Train
from trains.gtfs.reader import read_feed, read_feed_skipping_invalid

__all__ = [
    "Call",
    "Feed",
    "GtfsError",
    "GtfsFeedInvalid",
    "RejectedTrip",
    "Service",
    "Station",
    "Train",
    "read_feed",
    "read_feed_skipping_invalid",
]
