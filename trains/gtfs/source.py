"""The files of a feed, a .zip or a folder, read as CSV rows numbered by their line in the file."""

import csv
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from trains.gtfs.errors import GtfsError, GtfsFeedInvalid

if TYPE_CHECKING:
    from _csv import _reader as CsvReader

ProgressCallback = Callable[[int, int], object]

# Often enough for a progress bar, rarely enough to cost nothing beside the parsing.
PROGRESS_EVERY_ROWS = 1000
COUNT_CHUNK_BYTES = 1 << 20
# A row (a line, or the lines of one whose quoted value runs over several) is read no further
# than this: no GTFS row comes near it, and a crafted file of one endless line is refused
# without ever being held in memory whole.
ROW_MAX_BYTES = 1 << 20
# Errors kept in GtfsFeedInvalid.errors; the rest are only counted. A crafted feed wrong on
# every one of millions of rows would otherwise fill the memory with its errors.
ERRORS_KEPT_MAX = 1000
# Read errors of a damaged zip member surface while reading it, not when it is opened.
READ_ERRORS = (OSError, zipfile.BadZipFile, zlib.error)
MACOS_METADATA_FOLDER = "__MACOSX/"
# C0 and C1 control characters, DEL included: no name or id holds one, and PostgreSQL stores no NUL.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Progress:
    """Count the rows read and tell the callback every PROGRESS_EVERY_ROWS rows and at each file's end."""

    def __init__(self, callback: ProgressCallback | None = None, total: int = 0) -> None:
        self.callback, self.total = callback, total
        self.done, self.reported = 0, -1

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.done - self.reported >= PROGRESS_EVERY_ROWS:
            self.report()

    def finish(self) -> None:
        """Tell the callback that all is read, should the lines have been counted otherwise than read."""
        self.done = max(self.done, self.total)
        self.report()

    def report(self) -> None:
        if self.done == self.reported:
            return
        self.reported = self.done
        if self.callback is not None:
            self.callback(min(self.done, self.total), self.total)


class FeedSource:
    """A feed's files, with the errors found in them so far."""

    def __init__(
        self, folder: Path | None = None, archive: zipfile.ZipFile | None = None, archive_folder: str = ""
    ) -> None:
        # archive_folder is "" for files at the top of the zip, else the folder they sit in, with its "/".
        self.folder, self.archive, self.archive_folder = folder, archive, archive_folder
        self.archive_names = set(archive.namelist()) if archive is not None else set()
        self.errors: list[GtfsError] = []
        self.error_count = 0
        self.progress = Progress()
        # When set, a problem of one trip's own rejects that trip rather than the feed: it is
        # kept in `trip_errors` under its trip_id, and `errors` holds only the feed's problems.
        self.skip_invalid = False
        self.trip_errors: dict[str, list[GtfsError]] = {}
        self.trip_errors_suppressed: dict[str, int] = {}
        self.trip_errors_kept = 0

    def error(
        self,
        file: str,
        line: int | None,
        message: str,
        *,
        ends_reading: bool = False,
        trip_id: str | None = None,
    ) -> None:
        """Record a problem; past ERRORS_KEPT_MAX, only count it, unless it is why the reading ends.

        `trip_id` names the trip the problem is a defect of, if it is one trip's alone.
        """
        self.error_count += 1
        if trip_id is not None and self.skip_invalid:
            kept = self.trip_errors.setdefault(trip_id, [])
            if self.trip_errors_kept < ERRORS_KEPT_MAX:
                kept.append(GtfsError(file, line, message))
                self.trip_errors_kept += 1
            else:
                self.trip_errors_suppressed[trip_id] = self.trip_errors_suppressed.get(trip_id, 0) + 1
            return
        if len(self.errors) < ERRORS_KEPT_MAX or ends_reading:
            self.errors.append(GtfsError(file, line, message))

    def invalid(self) -> GtfsFeedInvalid:
        return GtfsFeedInvalid(self.errors, suppressed=self.error_count - len(self.errors))

    def id_is_new(
        self,
        file: str,
        line: int,
        column: str,
        value: str,
        first_line: int | None,
        *,
        trip_id: str | None = None,
    ) -> bool:
        """Return whether `value` can identify this row; if not, record why (empty, or on `first_line`)."""
        if not value:
            self.error(file, line, f"{column} is empty", trip_id=trip_id)
            return False
        if first_line is not None:
            self.error(file, line, f"{column} '{value}' is already on line {first_line}", trip_id=trip_id)
            return False
        return True

    def raise_errors(self) -> None:
        """Raise GtfsFeedInvalid listing every error found so far, if there is any."""
        if self.errors:
            raise self.invalid()

    def has(self, name: str) -> bool:
        if self.archive is not None:
            return self.archive_folder + name in self.archive_names
        assert self.folder is not None
        return (self.folder / name).is_file()

    def require(self, name: str, columns: Sequence[str]) -> None:
        """Record an error if the file or any of these columns of its header is missing."""
        if not self.has(name):
            self.error(name, None, "required file is missing")
            return
        errors_before = self.error_count
        header = self.header(name)
        if header is None:
            if self.error_count == errors_before:
                self.error(name, None, "the file is empty; it needs a header row")
            return
        for column in columns:
            if column not in header:
                self.error(name, 1, f"required column '{column}' is missing")

    def header(self, name: str) -> list[str] | None:
        """Return the file's column names, or None when it has no header row (or cannot be read)."""
        try:
            with self._open_binary(name) as binary:
                lines = Lines(binary)
                first = next(_numbered_records(csv.reader(lines), lines), None)
        except UnreadableLine as unreadable:
            self.error(name, unreadable.line, unreadable.message)
            return None
        except READ_ERRORS as error:
            self.error(name, None, f"cannot be read: {error}")
            return None
        return [column.strip() for column in first[1]] if first is not None else None

    def count_progress(self, names: Iterable[str], callback: ProgressCallback) -> None:
        """Count the data rows of these files so that progress can be told as a share of them."""
        total = sum(max(self._count_lines(name) - 1, 0) for name in names)
        self.progress = Progress(callback, total)
        self.progress.report()

    def rows(
        self, name: str, columns: Sequence[str], *, trip_column: str | None = None
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """Yield (line, {column: value}) for each row with a value, trimmed; columns it lacks are empty.

        The line is where the row starts: a quoted value may run over several lines. A line
        that cannot be read raises GtfsFeedInvalid at once, with the errors found so far: the
        rows after it, and those of other files that refer to them, could not be checked.
        `trip_column` names the column of the trip a row belongs to, whose defect a wrong value is.
        """
        try:
            yield from self._rows(name, columns, trip_column)
        except UnreadableLine as unreadable:
            self.error(name, unreadable.line, unreadable.message, ends_reading=True)
            raise self.invalid() from None
        except READ_ERRORS as error:
            self.error(name, None, f"cannot be read: {error}", ends_reading=True)
            raise self.invalid() from None
        self.progress.report()

    def _rows(
        self, name: str, columns: Sequence[str], trip_column: str | None
    ) -> Iterator[tuple[int, dict[str, str]]]:
        with self._open_binary(name) as binary:
            lines = Lines(binary)
            reader = csv.reader(lines)
            records = _numbered_records(reader, lines)
            header = [column.strip() for column in next(records, (1, []))[1]]
            positions = [header.index(column) if column in header else None for column in columns]
            lines_read = reader.line_num
            for line, record in records:
                self.progress.advance(reader.line_num - lines_read)
                lines_read = reader.line_num
                if any(value.strip() for value in record):
                    values = _pick(record, columns, positions)
                    # One search of the row's values, a second only for the rare row that has one.
                    if CONTROL_CHARACTER.search("".join(values.values())):
                        values = self._printable(name, line, values, trip_column)
                    yield line, values

    def _printable(
        self, name: str, line: int, values: dict[str, str], trip_column: str | None
    ) -> dict[str, str]:
        """Return the values, recording an error for each that holds a control character.

        Such a value is passed on with its control characters escaped (\\x00), so that the
        rows that refer to it find it and do not repeat the error, and no message prints one.
        """
        messages = []
        for column, value in values.items():
            control = CONTROL_CHARACTER.search(value)
            if control is not None:
                values[column] = shown = escaped(value)
                messages.append(
                    f"{column} '{shown}' holds the control character U+{ord(control.group()):04X} "
                    f"at character {control.start() + 1}"
                )
        # Recorded once every value is escaped, so that the trip is named as the rows referring to it name it.
        trip_id = values[trip_column] if trip_column is not None else None
        for message in messages:
            self.error(name, line, message, trip_id=trip_id)
        return values

    def _open_binary(self, name: str) -> IO[bytes]:
        if self.archive is not None:
            return self.archive.open(self.archive_folder + name)
        assert self.folder is not None
        return (self.folder / name).open("rb")

    def _count_lines(self, name: str) -> int:
        lines, last = 0, b"\n"
        with self._open_binary(name) as binary:
            while chunk := binary.read(COUNT_CHUNK_BYTES):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        return lines if last == b"\n" else lines + 1


class UnreadableLine(Exception):
    """A line that cannot be read, which ends the reading of its file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class Lines:
    """A file's lines, decoded one by one so that bad UTF-8 is reported at its own line.

    Each is read with a limit, the room left in its row: a line longer than a row may be is
    never read whole, however long it is, and neither is a row of many lines.
    """

    def __init__(self, binary: IO[bytes]) -> None:
        self.binary = binary
        self.number = self.row_bytes = 0
        self.row_line = 1

    def start_row(self) -> None:
        self.row_bytes, self.row_line = 0, self.number + 1

    def __iter__(self) -> "Lines":
        return self

    def __next__(self) -> str:
        raw = self.binary.readline(ROW_MAX_BYTES - self.row_bytes + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        self.row_bytes += len(raw)
        if self.row_bytes > ROW_MAX_BYTES:
            message = f"the row is longer than {ROW_MAX_BYTES:,} bytes; the file is read no further"
            raise UnreadableLine(self.row_line, message)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            message = f"is not UTF-8 text (byte {error.start + 1} of the line)"
            raise UnreadableLine(self.number, message) from None
        return text.removeprefix("\ufeff") if self.number == 1 else text


def _numbered_records(reader: "CsvReader", lines: Lines) -> Iterator[tuple[int, list[str]]]:
    """Yield each record with the line it starts on; raise UnreadableLine where the CSV is broken."""
    while True:
        line = reader.line_num + 1
        lines.start_row()
        try:
            record = next(reader)
        except StopIteration:
            return
        except (csv.Error, *READ_ERRORS) as error:
            raise UnreadableLine(line, f"cannot be read: {error}") from None
        yield line, record


def escaped(text: str) -> str:
    """Return the text with each control character written as \\xNN."""
    return CONTROL_CHARACTER.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _pick(record: list[str], columns: Sequence[str], positions: list[int | None]) -> dict[str, str]:
    return {
        column: record[position].strip() if position is not None and position < len(record) else ""
        for column, position in zip(columns, positions, strict=True)
    }


@contextmanager
def open_feed(path: Path, feed_files: Iterable[str]) -> Iterator[FeedSource]:
    """Yield the feed at `path`, a folder or a .zip file, or raise GtfsFeedInvalid if it is neither.

    The files of a zip sit at its top or together in one folder of it, found by where the
    `feed_files` (the names the reader knows) are.
    """
    if path.is_dir():
        yield FeedSource(folder=path)
        return
    if not path.is_file() or not zipfile.is_zipfile(path):
        raise GtfsFeedInvalid([GtfsError(str(path), None, "is neither a folder nor a .zip file")])
    with zipfile.ZipFile(path) as archive:
        yield FeedSource(archive=archive, archive_folder=_archive_folder(path, archive, set(feed_files)))


def _archive_folder(path: Path, archive: zipfile.ZipFile, feed_files: set[str]) -> str:
    """Return the folder of the zip holding its feed files ("" for the top); raise if they are in several.

    macOS adds copies of the files' metadata under __MACOSX/, which are no feed files.
    """
    folders = set()
    for entry in archive.namelist():
        folder, _, name = entry.rpartition("/")
        if name in feed_files and not entry.startswith(MACOS_METADATA_FOLDER):
            folders.add(folder + "/" if folder else "")
    if len(folders) > 1:
        shown = ", ".join(f"'{folder}'" if folder else "the top" for folder in sorted(folders))
        message = f"holds feed files in more than one folder ({shown}); a feed's files sit together in one"
        raise GtfsFeedInvalid([GtfsError(path.name, None, message)])
    return folders.pop() if folders else ""
