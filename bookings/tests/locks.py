"""A train lock held from outside the service, to stop a booking inside its transaction at will."""

import sqlite3

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
            "SELECT 1 FROM trains_journey WHERE train_id = %s AND date = %s FOR NO KEY UPDATE",
            [train_pk, journey_date],
        )
        assert cursor.fetchone() is not None, "no such journey to lock"
    return other
