"""Django's PostgreSQL backend, with a connection health check that needs no round trip.

`CONN_HEALTH_CHECKS` makes Django check a persistent connection before each request uses it,
so that a session the server has ended (a restart, a fail-over, `pg_terminate_backend`) is
replaced instead of failing the request. Django checks with `SELECT 1`: a round trip to the
database on every request. A server that ends a session says so on the socket (its last
message, then the close), so an idle connection whose socket has nothing to read is still open
as far as any check could tell; only when something is waiting there is the query sent.

Each new connection also reads its lock and statement timeouts once, and logs an error when
they are not the configured ones (railway/db/timeouts.py): a role that `migrate` never set up
would otherwise wait on a stuck lock until gunicorn kills the worker, with nothing to say why.
"""

import logging
import select

from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper

from railway.db.timeouts import timeouts_configured, timeouts_in_force

logger = logging.getLogger(__name__)


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    def init_connection_state(self) -> None:
        super().init_connection_state()
        # Not for the maintenance database Django uses to create and drop test databases.
        if self.alias == NO_DB_ALIAS:
            return
        configured = timeouts_configured()
        # On the driver's own cursor: one query, outside Django's query log and its counts.
        with self.connection.cursor() as cursor:
            in_force = timeouts_in_force(cursor)
        if in_force != configured:
            logger.error(
                "database %r (%s) runs with %s, not the configured %s: run `manage.py migrate` "
                "as this role, or set them by hand (docs/deploy.md, Database timeouts)",
                self.alias,
                self.settings_dict["NAME"],
                in_force,
                configured,
            )

    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        poller = select.poll()
        try:
            poller.register(self.connection.fileno(), select.POLLIN)
        except (OSError, ValueError):
            return False
        if not poller.poll(0):
            return True
        # The server has sent something outside any query: its goodbye, most likely.
        return super().is_usable()
