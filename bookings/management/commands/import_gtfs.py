"""`manage.py import_gtfs FEED.zip --seats 500` (or `--coaches ...`): load a GTFS timetable (docs/gtfs.md)."""

import argparse
import functools
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from bookings.errors import BookingAlreadyCancelled
from bookings.services import booking_cancel_for_disruption
from bookings.timetable_import import FeedImportRefused, ImportReport, feed_import
from trains.coach_plans import CoachPlan
from trains.coach_specs import CoachSpecInvalid, coaches_from_spec
from trains.errors import CoachesInvalid
from trains.gtfs import Feed, GtfsFeedInvalid, RejectedTrip, read_feed, read_feed_skipping_invalid
from trains.gtfs.distances import SHAPE_DIST_UNITS
from trains.services import coaches_total_check

# Rejected trips printed in full; past them, only counted, so that a huge feed's report stays readable.
REJECTED_SHOWN_MAX = 100
# Disrupted bookings printed one by one; past them, only counted: --report lists them all.
DISRUPTED_SHOWN_MAX = 1_000


class Command(BaseCommand):
    help = (
        "Import stations, trains, their stops and times and their running days from a GTFS feed "
        "(a .zip or a folder). A feed version replaces the last of its agencies: trains it no longer "
        "has are withdrawn, changed ones updated, unchanged ones left alone; a feed with any problem "
        "changes nothing. Every run lists the confirmed bookings on future journeys that the new "
        "version cancels, retimes or reroutes; none is changed unless --cancel-disrupted is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("feed", type=Path, help="the feed: a .zip file or a folder of .txt files")
        parser.add_argument(
            "--seats",
            type=int,
            help="seats of each train the import creates; required unless --coaches is given, and then "
            "their total if given",
        )
        parser.add_argument(
            "--coaches",
            type=coaches_argument,
            metavar="CLASS:CODES:SEATS[:LAYOUT],...",
            help="the coaches of each train the import creates, e.g. 3A:B1-B4:64,SL:S1-S10:72:berths-8 "
            "(B1-B4 is coaches B1 to B4 of 64 seats each; layout seats-2x2 unless given); without it, "
            "the --seats in class GEN",
        )
        parser.add_argument(
            "--shape-dist-unit",
            choices=sorted(SHAPE_DIST_UNITS),
            default="km",
            help="the unit of stop_times.txt's shape_dist_traveled, which GTFS leaves to the feed "
            "(default km); stops' distances come from it, else from the stops' coordinates",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import every valid trip, and report each trip left out for its defects",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what the import would do, and write nothing"
        )
        parser.add_argument(
            "--report",
            type=Path,
            metavar="FILE",
            help="write the trains changed and the bookings disrupted to FILE, as JSON",
        )
        parser.add_argument(
            "--cancel-disrupted",
            action="store_true",
            help="cancel the confirmed bookings the new version disrupts, freeing their seats",
        )

    def handle(
        self,
        *args: Any,
        feed: Path,
        seats: int | None,
        coaches: list[CoachPlan] | None,
        shape_dist_unit: str,
        no_progress: bool,
        skip_invalid: bool,
        dry_run: bool,
        report: Path | None,
        cancel_disrupted: bool,
        **options: Any,
    ) -> None:
        if dry_run and cancel_disrupted:
            raise CommandError("--dry-run writes nothing, so it cannot --cancel-disrupted.")
        seats = total_seats_of(seats=seats, coaches=coaches)
        if not feed.exists():
            raise CommandError(f"{feed}: no such file or folder.")
        bars = not no_progress
        try:
            with tqdm(desc="reading", unit=" rows", disable=not bars, file=self.stderr) as bar:
                on_progress = functools.partial(reading_progress, bar)
                if skip_invalid:
                    parsed, rejected = read_feed_skipping_invalid(
                        feed, progress=on_progress, shape_dist_unit=shape_dist_unit
                    )
                else:
                    parsed, rejected = (
                        read_feed(feed, progress=on_progress, shape_dist_unit=shape_dist_unit),
                        (),
                    )
        except GtfsFeedInvalid as invalid:
            raise CommandError(f"{feed} is not a valid feed; nothing was imported.\n{invalid}") from None

        def importing(trains):  # type: ignore[no-untyped-def]
            return tqdm(trains, desc="importing", unit=" trains", disable=not bars, file=self.stderr)

        try:
            result = feed_import(
                parsed, total_seats=seats, coaches=coaches, dry_run=dry_run, progress=importing
            )
        except FeedImportRefused as refused:
            raise CommandError(f"Nothing was imported:\n{refused}") from None
        if cancel_disrupted:
            result.cancelled = self.cancel(result)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        self.stdout.write(
            f"{len(parsed.stations)} stations; {result.created} trains created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.withdrawn} withdrawn, {result.replaced} replaced by a "
            "new variant."
        )
        self.report_disrupted(result)
        if skip_invalid:
            self.report_rejected(parsed, rejected)
        if report is not None:
            report.write_text(json.dumps(report_json(feed, result, dry_run=dry_run), indent=2) + "\n")

    def cancel(self, result: ImportReport) -> list[int]:
        cancelled = []
        for disrupted in result.disrupted:
            try:
                booking_cancel_for_disruption(booking_id=disrupted.booking_id)
            except BookingAlreadyCancelled:
                # The passenger cancelled it meanwhile.
                continue
            cancelled.append(disrupted.booking_id)
        return cancelled

    def report_disrupted(self, result: ImportReport) -> None:
        self.stdout.write(f"{len(result.disrupted)} confirmed bookings on future journeys disrupted.")
        cancelled = set(result.cancelled)
        for disrupted in result.disrupted[:DISRUPTED_SHOWN_MAX]:
            done = " Cancelled." if disrupted.booking_id in cancelled else ""
            self.stdout.write(self.style.WARNING(f"{disrupted}.{done}"))
        if len(result.disrupted) > DISRUPTED_SHOWN_MAX:
            more = len(result.disrupted) - DISRUPTED_SHOWN_MAX
            self.stdout.write(self.style.WARNING(f"... and {more:,} more; --report FILE lists them all."))
        if cancelled:
            self.stdout.write(f"{len(cancelled)} of them cancelled.")

    def report_rejected(self, parsed: Feed, rejected: tuple[RejectedTrip, ...]) -> None:
        imported = len({train.trip_id for train in parsed.trains})
        self.stdout.write(f"{imported} trips imported, {len(rejected)} rejected.")
        for trip in rejected[:REJECTED_SHOWN_MAX]:
            self.stdout.write(self.style.WARNING(f"Rejected {trip}"))
        if len(rejected) > REJECTED_SHOWN_MAX:
            self.stdout.write(
                self.style.WARNING(f"... and {len(rejected) - REJECTED_SHOWN_MAX:,} more trips rejected.")
            )


def coaches_argument(text: str) -> list[CoachPlan]:
    """Return the coaches --coaches names, refusing any that no train can have.

    Refused as the parser refuses any bad argument: a usage error on the command line, a
    CommandError through call_command.
    """
    try:
        coaches = coaches_from_spec(text)
        return coaches_total_check(coaches=coaches, total_seats=sum(coach.seats for coach in coaches))
    except CoachSpecInvalid as invalid:
        raise argparse.ArgumentTypeError(str(invalid)) from None
    except CoachesInvalid as invalid:
        raise argparse.ArgumentTypeError(invalid.detail) from None


def total_seats_of(*, seats: int | None, coaches: list[CoachPlan] | None) -> int:
    """Return the seats of each train created: --seats, which --coaches must add up to if both are given."""
    if coaches is None:
        if seats is None:
            raise CommandError("Give --seats, or --coaches and the seats follow from them.")
        return seats
    total = sum(coach.seats for coach in coaches)
    if seats is not None and seats != total:
        raise CommandError(f"The coaches of --coaches have {total} seats, but --seats is {seats}.")
    return total


def report_json(feed: Path, result: ImportReport, *, dry_run: bool) -> dict:
    cancelled = set(result.cancelled)
    return {
        "feed": str(feed),
        "dry_run": dry_run,
        "trains": {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "withdrawn": result.withdrawn,
            "replaced": result.replaced,
        },
        "disrupted_bookings": [
            {**disrupted.as_json(), "cancelled": disrupted.booking_id in cancelled}
            for disrupted in result.disrupted
        ],
    }


def reading_progress(bar: tqdm, done: int, total: int) -> None:
    bar.total = total
    bar.update(done - bar.n)
