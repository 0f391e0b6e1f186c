"""Delete journeys finished more than --days ago, with their seat rows; run it from cron or a timer."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bookings.network_changes import finished_journeys_purge


class Command(BaseCommand):
    help = (
        "Delete the journeys, and their seat rows, that reached their last station more than --days days "
        "ago. Bookings and the seats they held are kept."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--days", type=int, default=7, help="Days a finished journey keeps its seats (7)."
        )

    def handle(self, *args, days: int, **options) -> None:  # type: ignore[no-untyped-def]
        if days < 1:
            raise CommandError("--days must be at least 1.")
        purged = finished_journeys_purge(finished_before=timezone.localdate() - datetime.timedelta(days=days))
        self.stdout.write(f"Deleted {purged} finished journeys and their seat rows.")
