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
