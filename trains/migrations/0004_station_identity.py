"""Make a station its code, not its name: every station gets a unique code, names may repeat.

Existing stations keep their names; each gets a code made from its name (station_code_base,
numbered from 2 where codes meet), its key recomputed by the new rule, and the words of its name
for the station finder.
"""

from django.db import migrations, models
from django.db.models.functions import Upper

from trains.models import station_code_base, station_key, station_words

KEY_MAX_LENGTH = 200


def codes_fill(apps, schema_editor):
    Station = apps.get_model("trains", "Station")
    taken: set[str] = set()
    too_long = []
    for station in Station.objects.order_by("id"):
        base = station_code_base(station.name)
        code, suffix = base, 1
        while code in taken:
            suffix += 1
            code = f"{base}{suffix}"
        taken.add(code)
        key = station_key(station.name)
        if len(key) > KEY_MAX_LENGTH:
            too_long.append(station.name)
        Station.objects.filter(pk=station.pk).update(code=code, key=key)
    if too_long:
        raise RuntimeError(
            "Shorten these station names before migrating, longer than "
            f"{KEY_MAX_LENGTH} characters once normalised: " + ", ".join(repr(name) for name in too_long)
        )


def words_fill(apps, schema_editor):
    # Last of the migration: on PostgreSQL, rows written with a deferred foreign key check
    # pending keep the table from being altered in the same transaction.
    Station = apps.get_model("trains", "Station")
    StationWord = apps.get_model("trains", "StationWord")
    for station_id, name in Station.objects.values_list("id", "name").order_by("id"):
        StationWord.objects.bulk_create(
            StationWord(station_id=station_id, word=word) for word in station_words(name)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("trains", "0003_train_variants"),
    ]

    operations = [
        migrations.AlterField(
            model_name="station",
            name="key",
            field=models.CharField(editable=False, max_length=KEY_MAX_LENGTH),
        ),
        migrations.AddField(
            model_name="station",
            name="code",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(codes_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="station",
            name="code",
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name="station",
            constraint=models.CheckConstraint(condition=~models.Q(code=""), name="station_code_not_empty"),
        ),
        migrations.AddConstraint(
            model_name="station",
            constraint=models.UniqueConstraint(Upper("code"), name="station_code_unique"),
        ),
        migrations.AddIndex(
            model_name="station",
            index=models.Index(fields=["key", "code"], name="station_name_order"),
        ),
        migrations.CreateModel(
            name="StationWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=200)),
                (
                    "station",
                    models.ForeignKey(
                        on_delete=models.deletion.CASCADE, related_name="words", to="trains.station"
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="stationword",
            constraint=models.UniqueConstraint(fields=["station", "word"], name="station_word_once"),
        ),
        migrations.AddIndex(
            model_name="stationword",
            index=models.Index(
                fields=["word", "station"],
                name="station_word_prefix",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
        ),
        migrations.RunPython(words_fill, migrations.RunPython.noop),
    ]
