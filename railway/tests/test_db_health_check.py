"""The health check of a persistent PostgreSQL connection: no round trip while the session is open.

Before a request uses a kept connection, Django checks that it is still usable
(`CONN_HEALTH_CHECKS`); a session the server has ended is replaced instead of failing the
request. The check reads the socket instead of sending `SELECT 1`.
"""

import pytest
from django.db import connection, connections

from railway.tests.faults import wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's health check"),
]


@pytest.fixture
def kept_connection(direct_database_sessions):
    """A connection of its own to the test database, as a worker keeps one between requests."""
    kept = connections.create_connection("default")
    kept.ensure_connection()
    yield kept
    kept.close()


def session_last_query(pid: int) -> str | None:
    """Return the last statement the server received from session `pid` (None: no such session)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row[0] if row else None


def test_postgresql_databases_use_this_backend_with_health_checks_on(settings):
    assert settings.DATABASES["default"]["ENGINE"] == "railway.db.postgresql"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_an_open_session_is_usable_and_the_check_sends_nothing(kept_connection):
    with kept_connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement'")
        pid = kept_connection.connection.info.backend_pid

    assert kept_connection.is_usable()

    assert session_last_query(pid) == "SELECT 'the last statement'"


def test_a_session_the_server_ended_is_unusable_and_replaced_before_use(kept_connection):
    pid = kept_connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_until(lambda: session_last_query(pid) is None, within_s=10, what="the session ended")

    assert not kept_connection.is_usable()

    # What Django does at the start of a request: the dead connection is closed and reopened.
    kept_connection.health_check_enabled, kept_connection.health_check_done = True, False
    kept_connection.close_if_health_check_failed()
    with kept_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
