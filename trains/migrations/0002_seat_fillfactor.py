"""Leave room in each page of trains_seat, so that a sale's update of a seat mask stays on its page.

Every sale and cancellation rewrites the masks of the seats it touches. When the new row
version fits on the same page, PostgreSQL updates it in place of the index ("HOT"): no index
entry is written and no other page is dirtied. Full pages (the default fill factor, 100)
send a share of those updates to other pages, each with a new index entry. Rows written
before this migration keep their pages until the table is rewritten (VACUUM FULL).
"""

from django.db import migrations


def fillfactor_set(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE trains_seat SET (fillfactor = 80)")


def fillfactor_reset(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE trains_seat RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("trains", "0001_initial")]

    operations = [migrations.RunPython(fillfactor_set, fillfactor_reset)]
