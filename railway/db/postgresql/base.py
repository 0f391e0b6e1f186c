"""Django's PostgreSQL backend, with a connection health check that needs no round trip.

`CONN_HEALTH_CHECKS` makes Django check a persistent connection before each request uses it,
so that a session the server has ended (a restart, a fail-over, `pg_terminate_backend`) is
replaced instead of failing the request. Django checks with `SELECT 1`: a round trip to the
database on every request. A server that ends a session says so on the socket (its last
message, then the close), so an idle connection whose socket has nothing to read is still open
as far as any check could tell; only when something is waiting there is the query sent.
"""

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
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
