"""frequencies.txt: trips that run every so many seconds, each departure a train of its own.

A trip listed here is a template: its stop_times give the calls and the time between them,
and it runs once for each departure from its start_time, every headway_secs, until before its
end_time, rather than at the times of its stop_times.
"""

from trains.gtfs.source import FeedSource
from trains.gtfs.times import format_time, parse_time
from trains.gtfs.trips import Trip

FREQUENCIES_FILE = "frequencies.txt"
REQUIRED_COLUMNS = ("trip_id", "start_time", "end_time", "headway_secs")
COLUMNS = (*REQUIRED_COLUMNS, "exact_times")
# exact_times: empty or 0 (a train about every headway_secs) or 1 (exactly then); both run alike here.
EXACT_TIMES = ("", "0", "1")
# A day in seconds: no headway is longer, and it keeps the number readable.
HEADWAY_MAX = 86_400
# A train a minute for a whole day: a row giving more is a typing error, or a crafted feed.
DEPARTURES_MAX = 1440


def read_frequencies(source: FeedSource, trips: dict[str, Trip]) -> dict[str, list[int]]:
    """Return each trip's departures, in seconds after midnight, in order; its rows may not overlap."""
    departures: dict[str, list[int]] = {}
    spans: dict[str, list[tuple[int, int, int]]] = {}  # trip_id -> (start, end, line)
    for line, values in source.rows(FREQUENCIES_FILE, COLUMNS, trip_column="trip_id"):
        errors_before = source.error_count
        trip_id = values["trip_id"]
        if trip_id not in trips:
            source.error(FREQUENCIES_FILE, line, f"trip_id '{trip_id}' is not in trips.txt", trip_id=trip_id)
        start = _time(source, line, values, "start_time", trip_id)
        end = _time(source, line, values, "end_time", trip_id)
        headway = _headway(source, line, values["headway_secs"], trip_id)
        if values["exact_times"] not in EXACT_TIMES:
            message = f"exact_times '{values['exact_times']}' is not 0 or 1"
            source.error(FREQUENCIES_FILE, line, message, trip_id=trip_id)
        if start is None or end is None or headway is None:
            continue
        if end <= start:
            message = f"end_time {format_time(end)} is not after start_time {format_time(start)}"
            source.error(FREQUENCIES_FILE, line, message, trip_id=trip_id)
            continue
        count = -(-(end - start) // headway)
        if count > DEPARTURES_MAX:
            message = f"gives {count:,} departures; a row gives {DEPARTURES_MAX:,} at most"
            source.error(FREQUENCIES_FILE, line, message, trip_id=trip_id)
            continue
        if source.error_count > errors_before:
            continue
        spans.setdefault(trip_id, []).append((start, end, line))
        departures.setdefault(trip_id, []).extend(range(start, end, headway))
    for trip_id, trip_spans in spans.items():
        _check_no_overlap(source, trip_id, trip_spans)
    return {trip_id: sorted(times) for trip_id, times in departures.items()}


def _check_no_overlap(source: FeedSource, trip_id: str, spans: list[tuple[int, int, int]]) -> None:
    """Record an error for each row of the trip that starts before an earlier-starting row of it ends.

    Sorted first, so that a trip of many rows costs no more than their sorting.
    """
    latest: tuple[int, int, int] | None = None  # the span that ends last among those seen
    for span in sorted(spans):
        start, end, line = span
        if latest is not None and start < latest[1]:
            message = (
                f"trip '{trip_id}' already runs from {format_time(latest[0])} to "
                f"{format_time(latest[1])} on line {latest[2]}"
            )
            source.error(FREQUENCIES_FILE, line, message, trip_id=trip_id)
        if latest is None or end > latest[1]:
            latest = span


def _time(source: FeedSource, line: int, values: dict[str, str], column: str, trip_id: str) -> int | None:
    seconds = parse_time(values[column])
    if seconds is None:
        message = f"{column} '{values[column]}' is not HH:MM:SS"
        source.error(FREQUENCIES_FILE, line, message, trip_id=trip_id)
    return seconds


def _headway(source: FeedSource, line: int, text: str, trip_id: str) -> int | None:
    # Its length first: Python refuses to read a number of thousands of digits.
    if (
        text.isascii()
        and text.isdigit()
        and len(text) <= len(str(HEADWAY_MAX))
        and 1 <= int(text) <= HEADWAY_MAX
    ):
        return int(text)
    message = f"headway_secs '{text}' is not a whole number from 1 to {HEADWAY_MAX:,}"
    source.error(FREQUENCIES_FILE, line, message, trip_id=trip_id)
    return None
