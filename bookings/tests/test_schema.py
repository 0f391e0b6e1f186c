"""The database holds data and guarantees, never a second copy of the rules."""

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalogue"),
]


def test_the_schema_has_no_function_or_procedure_but_those_of_extensions():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.proname FROM pg_proc p
              JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND NOT EXISTS (
                   SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
            """
        )
        assert cursor.fetchall() == []


def test_no_double_sale_is_still_guaranteed_by_an_exclusion_constraint():
    with connection.cursor() as cursor:
        cursor.execute("SELECT contype FROM pg_constraint WHERE conname = 'bookingseat_no_double_sale'")
        assert cursor.fetchall() == [("x",)]
