"""`python manage.py import_gtfs FEED.zip --seats 500`: load a GTFS timetable (docs/gtfs.md)."""

import functools
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from bookings.timetable_import import FeedImportRefused, feed_import
from trains.gtfs import Feed, GtfsFeedInvalid, RejectedTrip, read_feed, read_feed_skipping_invalid

# Rejected trips printed in full; past them, only counted, so that a huge feed's report stays readable.
REJECTED_SHOWN_MAX = 100


class Command(BaseCommand):
    help = (
        "Import stations, trains, their stops and times and their running days from a GTFS feed "
        "(a .zip or a folder), in one transaction. Importing it again updates the trains in place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("feed", type=Path, help="the feed: a .zip file or a folder of .txt files")
        parser.add_argument("--seats", type=int, required=True, help="seats of each train the import creates")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import every valid trip, and report each trip left out for its defects",
        )

    def handle(
        self, *args: Any, feed: Path, seats: int, no_progress: bool, skip_invalid: bool, **options: Any
    ) -> None:
        if not feed.exists():
            raise CommandError(f"{feed}: no such file or folder.")
        bars = not no_progress
        try:
            with tqdm(desc="reading", unit=" rows", disable=not bars, file=self.stderr) as bar:
                on_progress = functools.partial(reading_progress, bar)
                if skip_invalid:
                    parsed, rejected = read_feed_skipping_invalid(feed, progress=on_progress)
                else:
                    parsed, rejected = read_feed(feed, progress=on_progress), ()
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
        if skip_invalid:
            self.report_rejected(parsed, rejected)

    def report_rejected(self, parsed: Feed, rejected: tuple[RejectedTrip, ...]) -> None:
        imported = len({train.trip_id for train in parsed.trains})
        self.stdout.write(f"{imported} trips imported, {len(rejected)} rejected.")
        for trip in rejected[:REJECTED_SHOWN_MAX]:
            self.stdout.write(self.style.WARNING(f"Rejected {trip}"))
        if len(rejected) > REJECTED_SHOWN_MAX:
            self.stdout.write(
                self.style.WARNING(f"... and {len(rejected) - REJECTED_SHOWN_MAX:,} more trips rejected.")
            )


def reading_progress(bar: tqdm, done: int, total: int) -> None:
    bar.total = total
    bar.update(done - bar.n)
