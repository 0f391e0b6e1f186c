"""Server-side prepared statements for hot queries that cost more to plan than to run.

psycopg2 sends every query as text, so PostgreSQL plans it anew on each call; for a
query with several joins and subqueries that planning can take ten times its
execution. `execute_prepared` PREPAREs such a query once per database connection and
EXECUTEs it afterwards. Prepared statements live as long as the session (a rollback
does not undo them), so this needs a connection of its own per client: a pooler in
transaction mode would break it. On other databases it simply executes the query.
"""

import re

from django.db.backends.signals import connection_created
from django.db.backends.utils import CursorWrapper
from django.dispatch import receiver

_PLACEHOLDER = re.compile(r"%s")


@receiver(connection_created)
def _forget_prepared_statements(sender, connection, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """A new session has no prepared statements; start its record empty."""
    connection.railway_prepared = set()


def execute_prepared(cursor: CursorWrapper, name: str, sql: str, params: list) -> None:
    """Execute `sql` (with %s placeholders) as the prepared statement `name` on PostgreSQL."""
    if cursor.db.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    # Per connection: the cursor's own, which need not be the default database's.
    prepared: set[str] = cursor.db.railway_prepared
    if name not in prepared:
        numbered = iter(range(1, len(params) + 1))
        cursor.execute(f"PREPARE {name} AS " + _PLACEHOLDER.sub(lambda _: f"${next(numbered)}", sql))
        prepared.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
