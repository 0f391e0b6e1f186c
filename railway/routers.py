"""Which database serves which reads: the availability search may go to a read replica.

The search is the one read that is heavy, frequent and tolerant of a moment's lag: a booking
is decided on the primary under the train's lock whatever the search showed, so a stale count
can cost a passenger a 409, never a seat sold twice. With `AVAILABILITY_FROM_REPLICA` on and a
`replica` database configured (DATABASE_REPLICA_URL), the search reads there; everything else,
writes and a user's own bookings included, stays on the primary (docs/deploy.md).
"""

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"


def replica_configured() -> bool:
    return settings.AVAILABILITY_FROM_REPLICA and REPLICA in settings.DATABASES


class ReplicaRouter:
    """Send reads hinted `availability_search` to the replica when it is configured and switched on."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if hints.get("availability_search") and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A replica is a copy of the primary: it receives its schema by replication.
        return db != REPLICA
