"""Chart every journey whose chart's time has come; run it from cron or a timer, or not at all.

The first access to a journey after its chart's time charts it anyway (bookings.journey_events):
this only does it ahead, so that the passengers still waiting learn it without asking. Running it
twice, or while sales go on, charts each journey once.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from bookings.journey_events import charts_prepare


class Command(BaseCommand):
    help = "Chart the journeys whose time has come (CHART_MINUTES_BEFORE_DEPARTURE before departure)."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        charted = charts_prepare(now=timezone.now())
        self.stdout.write(f"Charted {charted} journeys.")
