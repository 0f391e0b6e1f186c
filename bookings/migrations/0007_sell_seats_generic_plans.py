"""bookings_sell_seats() plans its statements once per session, not on every call.

PL/pgSQL caches a plan for each statement of a function, but in the default plan_cache_mode a
statement with parameters is planned again for each call while its plan with the parameters'
values costs less than the generic one. The seat-choice queries always do: with the segment
known, bookings_seat_slack()'s bit arithmetic folds into constants. So every sale re-planned
them, inlining bookings_seat_slack() from its text each time: 13% of a sale's time in the
database (docs/performance.md). The generic plans are the same index scans over the journey's
seats, so the function now uses them always.

A later CREATE OR REPLACE of the function resets its settings: it must repeat this one
(bookings/tests/test_sell_in_database.py checks that it is there).
"""

import importlib

from django.db import migrations

JOURNEYS = importlib.import_module("bookings.migrations.0006_journeys")

SIGNATURE = JOURNEYS.NEW_SIGNATURE


def generic_plans(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER FUNCTION {SIGNATURE} SET plan_cache_mode = force_generic_plan", params=None
        )


def plans_per_call(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER FUNCTION {SIGNATURE} RESET plan_cache_mode", params=None)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0006_journeys")]

    operations = [migrations.RunPython(generic_plans, plans_per_call)]
