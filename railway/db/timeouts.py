"""The PostgreSQL lock and statement timeouts, kept as the service role's defaults on its database.

A pooler in transaction mode (PgBouncer) refuses startup `options` and hands each transaction
whichever server session is free, so a `SET` in one session would not follow the client. The
timeouts are therefore stored on the server, `ALTER ROLE CURRENT_USER IN DATABASE ... SET`,
which every new session of that role on that database starts with, pooled or not. `migrate`
stores them from the settings (RailwayConfig); the backend checks each new connection has them.
"""

import sys
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper


def timeouts_configured() -> dict[str, int]:
    """Return the timeouts the settings ask for, in milliseconds, by PostgreSQL setting name."""
    return {
        "lock_timeout": settings.DB_LOCK_TIMEOUT_MS,
        "statement_timeout": settings.DB_STATEMENT_TIMEOUT_MS,
    }


def timeouts_in_force(cursor: Any) -> dict[str, int]:
    """Return the timeouts of the cursor's session, in milliseconds (0: none)."""
    # pg_settings gives each value in the setting's own unit: milliseconds for these.
    cursor.execute(
        "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(timeouts_configured())]
    )
    return {name: int(value) for name, value in cursor.fetchall()}


def role_timeouts_set(connection: BaseDatabaseWrapper, timeouts: dict[str, int]) -> None:
    """Make `timeouts` the defaults of the connection's role on its database, for every later session."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # The server's name for the database, which a pooler's alias in the URL need not be.
        cursor.execute("SELECT current_database()")
        database = connection.ops.quote_name(cursor.fetchone()[0])
        for name, milliseconds in timeouts.items():
            cursor.execute(f"ALTER ROLE CURRENT_USER IN DATABASE {database} SET {name} = %s", [milliseconds])
            # And for this session, which began before: a pooler may keep it and hand it to any
            # client later. In the same transaction, so that through a pooler it is the same session.
            cursor.execute(f"SET {name} = %s", [milliseconds])


def role_timeouts_on_migrate(sender: AppConfig, using: str, verbosity: int = 1, **kwargs: Any) -> None:
    """Store the configured timeouts for the role that migrated the database (post_migrate)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    timeouts = timeouts_configured()
    role_timeouts_set(connection, timeouts)
    if verbosity >= 2:
        stdout = kwargs.get("stdout", sys.stdout)
        stdout.write(
            f"Set {', '.join(f'{name} = {ms} ms' for name, ms in timeouts.items())} for this role.\n"
        )
