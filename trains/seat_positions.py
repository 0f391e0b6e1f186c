"""Where a seat is in its coach: the pattern of positions each coach layout repeats along the coach."""

# Each layout's positions in seat order, for one row (seats) or one bay (berths); the pattern
# repeats from the coach's first seat to its last, the last row or bay cut short if need be.
LAYOUT_POSITIONS: dict[str, tuple[str, ...]] = {
    "seats-2x2": ("window", "aisle", "aisle", "window"),
    "seats-3x2": ("window", "middle", "aisle", "aisle", "window"),
    # A coupe of four berths.
    "berths-4": ("lower", "upper", "lower", "upper"),
    "berths-6": ("lower", "upper", "lower", "upper", "side_lower", "side_upper"),
    "berths-8": ("lower", "middle", "upper", "lower", "middle", "upper", "side_lower", "side_upper"),
}
DEFAULT_LAYOUT = "seats-2x2"
# Every position some layout has, in the order the layouts first name them.
POSITIONS = tuple(dict.fromkeys(position for pattern in LAYOUT_POSITIONS.values() for position in pattern))


def seat_position(*, layout: str, seat_in_coach: int) -> str:
    """Return the position of seat `seat_in_coach` (numbered from 1 in its coach) in a coach of `layout`."""
    if seat_in_coach < 1:
        raise ValueError(f"Seats are numbered from 1 in their coach, not {seat_in_coach}.")
    pattern = LAYOUT_POSITIONS[layout]
    return pattern[(seat_in_coach - 1) % len(pattern)]
