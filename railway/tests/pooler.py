"""A connection pooler (PgBouncer in transaction mode) between the tests and PostgreSQL, if any.

CI runs the PostgreSQL suite once directly and once through PgBouncer (.ci/run). Through the
pooler, a client connection is not one server session: each transaction runs on whichever
session is free, and sessions outlive the clients that used them.
"""

import psycopg2
from django.db import connection


def behind_pooler() -> bool:
    """Return whether the test database is reached through a pooler rather than directly."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        server_pid = cursor.fetchone()[0]
    # A pooler answers the connection itself, with a process id of its own making.
    return server_pid != connection.connection.info.backend_pid


def pooler_sessions_renew() -> None:
    """Make the pooler open new server sessions for the test database, as after a restart.

    A session takes the role's defaults (the timeouts) when it starts; one the pooler keeps from
    before they changed keeps the old ones. RECONNECT on PgBouncer's admin console closes each
    session as soon as it is free. Nothing to do without a pooler.
    """
    if not behind_pooler():
        return
    settings = connection.settings_dict
    console = psycopg2.connect(
        dbname="pgbouncer",
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"],
    )
    try:
        console.autocommit = True
        with console.cursor() as cursor:
            cursor.execute(f"RECONNECT {settings['NAME']}")
    finally:
        console.close()
