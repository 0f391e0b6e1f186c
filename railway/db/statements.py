"""Several SQL statements sent together: in one round trip where the database is a server away.

On PostgreSQL the statements of a list go as one query string, and each runs with a snapshot
of its own, taken when it starts (READ COMMITTED). On SQLite, which runs in process, they run
one by one. Every value travels as a parameter; the statements are SQL texts only.
"""

from django.db import connection

Statement = tuple[str, list]


def rows_of_last(statements: list[Statement]) -> list[tuple]:
    """Run the statements in order and return the rows of the last (none if it returns none).

    A statement whose SQL is empty is skipped.
    """
    statements = [(sql, params) for sql, params in statements if sql]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                ";\n".join(sql for sql, _ in statements), [p for _, params in statements for p in params]
            )
        else:
            for sql, params in statements:
                cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


class Writes:
    """Writes gathered through a transaction's work, to be sent together when it is done.

    Whoever makes one runs it before its transaction commits: what is added and never run is
    never written.
    """

    def __init__(self) -> None:
        self._statements: list[Statement] = []

    def add(self, statement: Statement) -> None:
        if statement[0]:
            self._statements.append(statement)

    def run(self) -> None:
        statements, self._statements = self._statements, []
        rows_of_last(statements)
