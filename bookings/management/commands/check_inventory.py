"""Recompute every open journey's free seats from its bookings, report the differences, repair them."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings.inventory import journey_inventory_check, journey_inventory_repair
from bookings.models import Journey


class Command(BaseCommand):
    help = (
        "Recompute each journey's free seat stretches from the seats its bookings hold and report every "
        "difference; with --repair, rewrite the stretches that differ. Exits 1 when differences remain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="Rewrite the stretches that differ.")

    def handle(self, *args: Any, repair: bool = False, **options: Any) -> None:
        checked = differing = 0
        for journey in Journey.objects.order_by("train_id", "date").iterator():
            checked += 1
            difference = (journey_inventory_repair if repair else journey_inventory_check)(journey=journey)
            if not (difference.missing or difference.unexpected):
                continue
            differing += 1
            for seat, first, last in sorted(difference.missing):
                self.stdout.write(
                    f"train {journey.train_id} on {journey.date}: seat {seat} free on legs "
                    f"{first}-{last - 1} is not recorded as free"
                )
            for seat, first, last in sorted(difference.unexpected):
                self.stdout.write(
                    f"train {journey.train_id} on {journey.date}: seat {seat} recorded free on legs "
                    f"{first}-{last - 1} is not free"
                )
        verb = "repaired" if repair else "differ"
        self.stdout.write(f"{checked} journeys checked, {differing} {verb}.")
        if differing and not repair:
            raise CommandError(
                f"{differing} journeys' free seats differ from their bookings; run with --repair."
            )
