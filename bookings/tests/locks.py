"""Locks held from outside the service, to stop a booking inside its transaction at will."""

import sqlite3
import time

import psycopg2
from django.db import connection


def _second_postgresql_connection():
    """Open a connection to the test database of its own, outside Django's."""
    settings = connection.settings_dict
    return psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )


def hold_train_lock(train_pk: int):
    """Open a second, independent connection that holds the train's row (or the database) locked."""
    if connection.vendor == "postgresql":
        other = _second_postgresql_connection()
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM trains_train WHERE id = %s FOR UPDATE", [train_pk])
        return other
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def release_train_lock(other) -> None:
    """End the lock holder's transaction, writing nothing, and close its connection."""
    if isinstance(other, sqlite3.Connection):
        other.execute("ROLLBACK")
    else:
        other.rollback()
    other.close()


def hold_journey_lock(train_pk: int, journey_date):
    """Open a second, independent connection that holds one journey's row locked as a sale does.

    PostgreSQL only: SQLite has one write lock for the whole database, not one per journey.
    """
    other = _second_postgresql_connection()
    with other.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM bookings_journey WHERE train_id = %s AND date = %s FOR NO KEY UPDATE",
            [train_pk, journey_date],
        )
        assert cursor.fetchone() is not None, "no such journey to lock"
    return other


def wait_for_a_session_waiting_on_a_lock(holder, *, timeout: float = 10.0) -> None:
    """Return once another session of the database waits on a row lock; fail after `timeout` seconds.

    Read from the lock holder's connection, so that it sees the service's sessions as they are.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with holder.cursor() as cursor:
            # The holder is inside its transaction, which would otherwise see one snapshot of the view.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)
    raise AssertionError(f"no session waited on a lock within {timeout} s")
