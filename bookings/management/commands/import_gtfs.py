"""`python manage.py import_gtfs FEED.zip --seats 500`: load a GTFS timetable (docs/gtfs.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from bookings.timetable_import import FeedImportRefused, feed_import
from trains.gtfs import GtfsFeedInvalid, read_feed


class Command(BaseCommand):
    help = (
        "Import stations, trains, their stops and times and their running days from a GTFS feed "
        "(a .zip or a folder), in one transaction. Importing it again updates the trains in place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("feed", type=Path, help="the feed: a .zip file or a folder of .txt files")
        parser.add_argument("--seats", type=int, required=True, help="seats of each train the import creates")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, feed: Path, seats: int, no_progress: bool, **options: Any) -> None:
        if not feed.exists():
            raise CommandError(f"{feed}: no such file or folder.")
        bars = not no_progress
        try:
            with tqdm(desc="reading", unit=" rows", disable=not bars, file=self.stderr) as bar:
                parsed = read_feed(feed, progress=lambda done, total: reading_progress(bar, done, total))
        except GtfsFeedInvalid as invalid:
            raise CommandError(f"{feed} is not a valid feed; nothing was imported.\n{invalid}") from None

        def importing(trains):  # type: ignore[no-untyped-def]
            return tqdm(trains, desc="importing", unit=" trains", disable=not bars, file=self.stderr)

        try:
            report = feed_import(parsed, total_seats=seats, progress=importing)
        except FeedImportRefused as refused:
            raise CommandError(f"Nothing was imported:\n{refused}") from None
        self.stdout.write(
            f"{len(parsed.stations)} stations; {len(report.created)} trains created, "
            f"{len(report.updated)} updated."
        )
        for number in report.kept_for_bookings:
            self.stdout.write(
                self.style.WARNING(
                    f"Train {number}: the feed changes its stops, but it has bookings; "
                    "its stops were left as they were."
                )
            )


def reading_progress(bar: tqdm, done: int, total: int) -> None:
    bar.total = total
    bar.update(done - bar.n)
