"""Coaches written as text, as `import_gtfs --coaches` takes them: `3A:B1-B4:64,SL:S1-S10:72`.

Each comma-separated part is CLASS:CODES:SEATS[:LAYOUT]: a class, a coach code or a range of
codes of one prefix (B1-B4 is B1, B2, B3, B4), the seats of each of those coaches, and their
layout (trains.seat_positions; seats-2x2 when not given). Coaches are in the order written.
"""

import re

from trains.coach_plans import COACH_MAX_SEATS, CoachPlan
from trains.models import CODE_MAX_LENGTH, Train, is_code
from trains.seat_positions import DEFAULT_LAYOUT, LAYOUT_POSITIONS

MAX_COACHES = Train.MAX_COACHES
# A range's ends: one prefix, then a number with no leading zero.
_NUMBERED = re.compile(r"([A-Za-z0-9]*?)([1-9][0-9]*)")


class CoachSpecInvalid(ValueError):
    """The text does not name coaches; the message says which part and why."""


def coaches_from_spec(text: str) -> list[CoachPlan]:
    """Return the coaches `text` names, in order, codes and classes in upper case."""
    if not text.strip():
        raise CoachSpecInvalid("No coaches given.")
    coaches: list[CoachPlan] = []
    for part in text.split(","):
        coaches += _part_coaches(part.strip())
    return coaches


def _part_coaches(part: str) -> list[CoachPlan]:
    fields = part.split(":")
    if len(fields) not in (3, 4):
        raise CoachSpecInvalid(f"'{part}' is not CLASS:CODES:SEATS or CLASS:CODES:SEATS:LAYOUT.")
    travel_class, codes, seats_text = fields[:3]
    layout = fields[3] if len(fields) == 4 else DEFAULT_LAYOUT
    if not is_code(travel_class):
        raise CoachSpecInvalid(f"'{part}': the class must be 1 to {CODE_MAX_LENGTH} letters or digits.")
    seats_readable = seats_text.isascii() and seats_text.isdigit() and len(seats_text) <= 3
    if not seats_readable or not 1 <= int(seats_text) <= COACH_MAX_SEATS:
        raise CoachSpecInvalid(f"'{part}': the seats of a coach are a number from 1 to {COACH_MAX_SEATS}.")
    if layout not in LAYOUT_POSITIONS:
        raise CoachSpecInvalid(f"'{part}': the layout must be one of {', '.join(LAYOUT_POSITIONS)}.")
    return [
        CoachPlan(coach=code, travel_class=travel_class.upper(), seats=int(seats_text), layout=layout)
        for code in _codes(part, codes)
    ]


def _codes(part: str, codes: str) -> list[str]:
    """Return the coach codes of `codes`: one code, or FIRST-LAST of one prefix, numbers rising."""
    first, dash, last = codes.partition("-")
    if not dash:
        if not is_code(first):
            raise CoachSpecInvalid(f"'{part}': a coach code is 1 to {CODE_MAX_LENGTH} letters or digits.")
        return [first.upper()]
    start, end = _NUMBERED.fullmatch(first), _NUMBERED.fullmatch(last)
    if start is None or end is None or not is_code(first) or not is_code(last):
        raise CoachSpecInvalid(
            f"'{part}': a range of coaches is FIRST-LAST, codes of 1 to {CODE_MAX_LENGTH} letters or "
            "digits ending in a number (B1-B4)."
        )
    if start.group(1).upper() != end.group(1).upper():
        raise CoachSpecInvalid(f"'{part}': the two ends of {codes} have different prefixes.")
    low, high = int(start.group(2)), int(end.group(2))
    if high < low:
        raise CoachSpecInvalid(f"'{part}': the range {codes} runs backwards.")
    # Checked before the codes are made: a range of millions would otherwise be built first.
    if high - low + 1 > MAX_COACHES:
        raise CoachSpecInvalid(f"'{part}': {codes} is more than the {MAX_COACHES} coaches a train has.")
    prefix = start.group(1).upper()
    return [f"{prefix}{number}" for number in range(low, high + 1)]
