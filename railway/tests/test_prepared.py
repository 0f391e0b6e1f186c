"""Hot queries are planned once per database session on PostgreSQL, and run plainly elsewhere."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from railway.prepared import execute_prepared

SQL = "SELECT CAST(%s AS integer) + CAST(%s AS integer)"


def run_twice() -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        for a in (1, 2):
            with connection.cursor() as cursor:
                execute_prepared(cursor, "railway_test_sum", SQL, [a, 40])
                assert cursor.fetchone()[0] == a + 40
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_it_prepares_once_per_session_and_again_after_a_reconnect():
    connection.close()
    first_session = run_twice()
    connection.close()
    second_session = run_twice()

    if connection.vendor == "postgresql":
        for statements in (first_session, second_session):
            assert statements[0] == "PREPARE railway_test_sum AS " + SQL.replace("%s", "$1", 1).replace(
                "%s", "$2"
            )
            assert [s.split("(")[0] for s in statements[1:]] == ["EXECUTE railway_test_sum"] * 2
    else:
        assert first_session == second_session == [SQL % (1, 40), SQL % (2, 40)]
