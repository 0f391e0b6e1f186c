"""What is wrong with a feed: each problem with its file and line, all raised together."""

from collections.abc import Iterable
from dataclasses import dataclass

# A feed wrong on every row would otherwise print millions of lines; `.errors` keeps them all.
MESSAGE_ERRORS_MAX = 100


@dataclass(frozen=True, slots=True)
class GtfsError:
    """One problem: the file, its 1-based line (the header is line 1; None for the whole file), what."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file} line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class RejectedTrip:
    """A trip left out of a feed read with skip_invalid: every problem of its own, by file and line.

    `suppressed` counts its problems found once the reader's limit on kept errors was reached.
    """

    trip_id: str
    errors: tuple[GtfsError, ...]
    suppressed: int = 0

    def __str__(self) -> str:
        lines = [f"trip '{self.trip_id}':", *(f"  {error}" for error in self.errors)]
        if self.suppressed:
            lines.append(f"  ... and {self.suppressed:,} more, not kept")
        return "\n".join(lines)


class GtfsFeedInvalid(Exception):
    """The feed cannot be read; `.errors` lists every problem found, by file and line."""

    def __init__(self, errors: Iterable[GtfsError], *, suppressed: int = 0) -> None:
        self.errors = tuple(sorted(errors, key=lambda error: (error.file, error.line or 0)))
        # Errors found beyond those kept in `.errors`, counted only (trains.gtfs.source.ERRORS_KEPT_MAX).
        self.suppressed = suppressed
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.errors) + self.suppressed
        lines = [f"The GTFS feed is invalid ({count} error{'s' if count != 1 else ''}):"]
        lines += [f"  {error}" for error in self.errors[:MESSAGE_ERRORS_MAX]]
        if count > MESSAGE_ERRORS_MAX:
            not_kept = f", of which {self.suppressed:,} not kept" if self.suppressed else ""
            lines.append(f"  ... and {count - MESSAGE_ERRORS_MAX:,} more{not_kept}")
        return "\n".join(lines)
