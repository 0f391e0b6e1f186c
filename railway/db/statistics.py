"""The planner's statistics, refreshed where a bulk write has just changed a table's size.

Right after a large import the planner still plans for the tables it last analysed (empty,
perhaps); autovacuum analyses them only later. Analysing the tables the import wrote, once it
has committed, lets the next queries be planned for what is there.
"""

from django.db import connection
from django.db.models import Model


def statistics_refresh(*models: type[Model]) -> None:
    """Analyse the tables of `models`, so that the planner knows their sizes and values now."""
    with connection.cursor() as cursor:
        for model in models:
            # A table name from the model's own metadata, quoted by the database's rules.
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
