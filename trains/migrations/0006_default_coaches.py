"""Give every train its seats in coaches: GEN coaches C1, C2, ... of up to 200 seats, layout seats-2x2.

A train of up to 200 seats gets the one coach C1; a larger one as many as its seats fill, the
last holding the rest, so that every seat of every train is in a coach. The split is written
out here rather than imported, so that the migration stays what it was when the rule changes.
"""

from django.db import migrations

COACH_MAX_SEATS = 200


def coaches_fill(apps, schema_editor):
    Train = apps.get_model("trains", "Train")
    Coach = apps.get_model("trains", "Coach")
    coaches = []
    for train_id, total_seats in Train.objects.order_by("pk").values_list("pk", "total_seats").iterator():
        full, rest = divmod(total_seats, COACH_MAX_SEATS)
        sizes = [COACH_MAX_SEATS] * full + ([rest] if rest else [])
        coaches.extend(
            Coach(
                train_id=train_id,
                position=position,
                coach=f"C{position + 1}",
                travel_class="GEN",
                seats=seats,
                layout="seats-2x2",
            )
            for position, seats in enumerate(sizes)
        )
        if len(coaches) >= 5_000:
            Coach.objects.bulk_create(coaches)
            coaches = []
    Coach.objects.bulk_create(coaches)


class Migration(migrations.Migration):
    dependencies = [("trains", "0005_coaches_and_fares")]

    operations = [migrations.RunPython(coaches_fill, migrations.RunPython.noop)]
