"""Delete API tokens past their expiry (TOKEN_TTL_HOURS after login); run it from cron or a timer."""

from django.core.management.base import BaseCommand

from users.services import tokens_purge_expired


class Command(BaseCommand):
    help = "Delete API tokens past their expiry (they no longer authenticate; this only frees the rows)."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        deleted = tokens_purge_expired()
        self.stdout.write(f"Deleted {deleted} expired tokens.")
