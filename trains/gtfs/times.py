"""Times of day as GTFS writes them, H:MM:SS or HH:MM:SS, past 24:00:00 for trains after midnight."""

import functools
import re

# Up to three digits of hours, for trains that run for more than four days.
TIME = re.compile(r"([0-9]{1,3}):([0-5][0-9]):([0-5][0-9])")


@functools.lru_cache(maxsize=1 << 16)
def parse_time(text: str) -> int | None:
    """Return the seconds after midnight that H:MM:SS or HH:MM:SS gives, or None if it is neither."""
    match = TIME.fullmatch(text)
    if match is None:
        return None
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def format_time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
