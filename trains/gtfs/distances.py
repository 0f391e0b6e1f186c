"""How far each call of a train is from its first: from shape_dist_traveled, else the stops' coordinates.

GTFS leaves the unit of shape_dist_traveled to the feed, which may not say it: the import is
told it (kilometres unless told otherwise). A trip whose every stop time has a
shape_dist_traveled is measured by it; else one whose every stop has coordinates, by the
great-circle distances between its consecutive stops, summed; else its distances are unknown.
"""

import itertools
import math
from decimal import ROUND_HALF_UP, Decimal

# Kilometres per unit of shape_dist_traveled.
SHAPE_DIST_UNITS = {"km": Decimal(1), "m": Decimal("0.001"), "mi": Decimal("1.609344")}
# The longest distance a stop holds (trains.models.Stop.distance_km: 7 digits, one decimal).
DISTANCE_MAX_KM = Decimal("999999.9")
# The mean radius of the Earth (IUGG), in kilometres.
EARTH_RADIUS_KM = 6371.0088
TENTH = Decimal("0.1")


def great_circle_km(start: tuple[float, float], end: tuple[float, float]) -> float:
    """Return the great-circle distance between two (latitude, longitude) points in degrees (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*start, *end))
    half_chord = (
        math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(half_chord)))


def distances_by_shape(shape_dists: list[Decimal], *, km_per_unit: Decimal) -> list[Decimal]:
    """Return each stop's kilometres from the first, from shape_dist_traveled values in stop order."""
    first = shape_dists[0]
    return [((value - first) * km_per_unit).quantize(TENTH, rounding=ROUND_HALF_UP) for value in shape_dists]


def distances_by_coordinates(points: list[tuple[float, float]]) -> list[Decimal]:
    """Return each stop's kilometres from the first along the stops' points, summed leg by leg."""
    sums = itertools.accumulate(
        (great_circle_km(start, end) for start, end in itertools.pairwise(points)), initial=0.0
    )
    # Rounded from the running sum, so that the distances never decrease.
    return [Decimal(repr(total)).quantize(TENTH, rounding=ROUND_HALF_UP) for total in sums]
