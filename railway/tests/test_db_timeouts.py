"""The lock and statement timeouts are the role's defaults on its database, which `migrate` stores.

No session option or `SET` carries them, so they hold through a pooler in transaction mode;
every new session starts with them, and a new connection that lacks them is logged as an error.
"""

import logging

import psycopg2
import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, connections

from railway.db.timeouts import timeouts_configured, timeouts_in_force
from railway.tests.pooler import pooler_sessions_renew

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the timeouts are PostgreSQL's"),
]


@pytest.fixture
def new_connection():
    """Return a factory of Django connections to the test database, each a new server session."""
    opened = []

    def open_one():
        fresh = connections.create_connection("default")
        fresh.ensure_connection()
        opened.append(fresh)
        return fresh

    yield open_one
    for fresh in opened:
        fresh.close()


@pytest.fixture
def table_lock():
    """Hold an exclusive lock on the users table from a session of its own, until the test ends."""
    settings = connection.settings_dict
    holder = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )
    with holder.cursor() as cursor:
        cursor.execute("LOCK TABLE users_user IN ACCESS EXCLUSIVE MODE")
    yield
    holder.rollback()
    holder.close()


def session_timeouts(fresh) -> dict[str, int]:
    with fresh.cursor() as cursor:
        return timeouts_in_force(cursor)


def test_the_timeouts_are_3_s_for_a_lock_and_15_s_for_a_statement_unless_configured_otherwise():
    assert timeouts_configured() == {"lock_timeout": 3000, "statement_timeout": 15000}


def test_after_migrate_every_new_session_starts_with_the_configured_timeouts(new_connection):
    assert session_timeouts(new_connection()) == timeouts_configured()


def test_migrate_stores_the_timeouts_the_settings_give_for_its_role(settings, role_timeouts, new_connection):
    settings.DB_LOCK_TIMEOUT_MS, settings.DB_STATEMENT_TIMEOUT_MS = 1234, 56789

    call_command("migrate", verbosity=0)
    pooler_sessions_renew()

    assert session_timeouts(new_connection()) == {"lock_timeout": 1234, "statement_timeout": 56789}


def test_a_statement_past_the_statement_timeout_fails(role_timeouts, new_connection):
    role_timeouts(statement_timeout=200)
    fresh = new_connection()

    with pytest.raises(OperationalError, match="statement timeout"), fresh.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")


def test_a_lock_wait_past_the_lock_timeout_fails(role_timeouts, table_lock, new_connection):
    role_timeouts(lock_timeout=200)
    fresh = new_connection()

    with pytest.raises(OperationalError, match="lock timeout"), fresh.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM users_user")


def test_a_new_connection_without_the_configured_timeouts_logs_an_error(
    role_timeouts, new_connection, caplog
):
    role_timeouts(lock_timeout=0)

    with caplog.at_level(logging.ERROR, logger="railway.db.postgresql.base"):
        new_connection()

    [record] = caplog.records
    assert "'lock_timeout': 0" in record.getMessage()
    assert "manage.py migrate" in record.getMessage()


def test_a_new_connection_with_the_configured_timeouts_logs_nothing(new_connection, caplog):
    with caplog.at_level(logging.ERROR, logger="railway.db.postgresql.base"):
        new_connection()

    assert caplog.records == []
