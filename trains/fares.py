"""What a passenger pays: the class's rate for each kilometre ridden, never less than its minimum."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
FREE = Decimal("0.00")


@dataclass(frozen=True)
class FarePlan:
    """A class's fare as a train's fares are given, before it is stored."""

    travel_class: str
    per_km: Decimal
    minimum: Decimal


def passenger_fare(*, per_km: Decimal, minimum: Decimal, km: Decimal) -> Decimal:
    """Return max(minimum, per_km x km), rounded half up to the cent."""
    return max(minimum, per_km * km).quantize(CENT, rounding=ROUND_HALF_UP)


def class_fare(*, fares: dict[str, tuple[Decimal, Decimal]], travel_class: str, km: Decimal) -> Decimal:
    """Return the fare of riding `km` in `travel_class`, given each class's (per_km, minimum).

    A class with no fare costs nothing.
    """
    if travel_class not in fares:
        return FREE
    per_km, minimum = fares[travel_class]
    return passenger_fare(per_km=per_km, minimum=minimum, km=km)


def segment_km(*, boarding_km: Decimal | None, alighting_km: Decimal | None) -> Decimal:
    """Return the kilometres ridden between two stops by their distances from the first; 0 when either is
    unknown, which makes every class's fare its minimum."""
    if boarding_km is None or alighting_km is None:
        return Decimal(0)
    return alighting_km - boarding_km
