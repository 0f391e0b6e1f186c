"""Delete idempotency records older than IDEMPOTENCY_KEY_TTL_HOURS; run it from cron or a timer."""

from django.core.management.base import BaseCommand

from bookings.idempotency import idempotency_records_purge


class Command(BaseCommand):
    help = "Delete idempotency records past IDEMPOTENCY_KEY_TTL_HOURS (a retry after that runs anew)."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        deleted = idempotency_records_purge()
        self.stdout.write(f"Deleted {deleted} expired idempotency records.")
