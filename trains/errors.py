"""The refusals of the network's reads and writes, each with its stable machine code."""

from railway.errors import Invalid

# The most candidates an ambiguous name lists: enough to choose from, bounded for a common name.
AMBIGUOUS_CODES_LISTED = 20


class StationAmbiguous(Invalid):
    """A station name that several stations have, where one station is meant; `codes` tells them apart."""

    default_code = "ambiguous_station"

    def __init__(self, *, name: str, codes: list[str], field: str | None = None) -> None:
        listed = sorted(codes)[:AMBIGUOUS_CODES_LISTED]
        super().__init__(
            f"Several stations are named '{name.strip()}': pass one of their codes instead "
            f"({', '.join(listed)}).",
            field=field,
            extra={"codes": listed},
        )


class CoachesInvalid(Invalid):
    """Coaches that no train can have as given: a code twice, too many, or seats that miss the total."""

    default_code = "invalid_coaches"

    def __init__(self, detail: str, *, code: str, field: str = "coaches") -> None:
        super().__init__(detail, code=code, field=field)


class FaresInvalid(Invalid):
    """Fares that do not fit the train's classes: a class priced twice, or a class no coach has."""

    default_code = "invalid_fares"

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail, code=code, field="fares")


class DistancesInvalid(Invalid):
    """Stop distances that do not run from 0 at the first stop without going back."""

    default_code = "invalid_distances"

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail, code=code, field="stops")


class TravelClassUnknown(Invalid):
    """A class none of the train's coaches has; `classes` lists those it has."""

    default_code = "unknown_travel_class"

    def __init__(self, *, travel_class: str, classes: list[str]) -> None:
        super().__init__(
            f"This train has no class '{travel_class.strip()}': ask for one of {', '.join(classes)}.",
            field="travel_class",
            extra={"classes": classes},
        )


class TravelClassRequired(Invalid):
    """A sale on a train of several classes that names none; `classes` lists them."""

    default_code = "travel_class_required"

    def __init__(self, *, classes: list[str]) -> None:
        super().__init__(
            f"This train has several classes: ask for one of {', '.join(classes)} as travel_class.",
            field="travel_class",
            extra={"classes": classes},
        )
