"""The database's guarantee against double sale, from the .sql file beside this one for each database.

PostgreSQL states it as an exclusion constraint; SQLite, which has none, as triggers. Neither
decides a sale: they refuse a row that would sell a seat twice on a leg, whatever the
application does.
"""

from pathlib import Path

from django.db import migrations

HERE = Path(__file__).parent


def statements(vendor: str) -> list[str]:
    """Return the statements of this migration's .sql file for `vendor`, comments stripped."""
    text = (HERE / f"0002_no_double_sale.{vendor}.sql").read_text()
    lines = [line for line in text.splitlines() if not line.startswith("--")]
    # Statements end with a semicolon at the end of a line; a trigger's body ends with "END;".
    return [statement.strip() for statement in "\n".join(lines).split(";\n") if statement.strip()]


def guarantee_create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in statements(vendor):
        schema_editor.execute(statement.removesuffix(";"))


def guarantee_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE bookings_bookingseat DROP CONSTRAINT bookingseat_no_double_sale")
    else:
        schema_editor.execute("DROP TRIGGER bookingseat_no_double_sale_update")
        schema_editor.execute("DROP TRIGGER bookingseat_no_double_sale_insert")
        schema_editor.execute("DROP INDEX bookingseat_journey_seat")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [migrations.RunPython(guarantee_create, guarantee_drop)]
