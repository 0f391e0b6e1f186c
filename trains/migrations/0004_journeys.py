"""Seats are sold per journey: a train on one start date.

Seats move from one row per train and seat to one row per journey and seat. The seats sold
before journeys existed stay sold, on the journey of the day this migration runs (in the
service's TIME_ZONE): trains with any booking get that journey and their seat rows as they
were; trains without bookings keep no seat rows until a date is booked. Bookings take the
same date in bookings 0006, which depends on this migration.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def journeys_from_train_seats(apps, schema_editor):
    Journey = apps.get_model("trains", "Journey")
    Seat = apps.get_model("trains", "Seat")
    SeatBeforeJourneys = apps.get_model("trains", "SeatBeforeJourneys")
    Booking = apps.get_model("bookings", "Booking")
    today = timezone.localdate()
    booked = sorted(set(Booking.objects.values_list("train_id", flat=True)))
    Journey.objects.bulk_create(Journey(train_id=train_id, date=today) for train_id in booked)
    for train_id in booked:
        Seat.objects.bulk_create(
            (
                Seat(train_id=train_id, journey_date=today, number=number, sold_legs=sold_legs)
                for number, sold_legs in SeatBeforeJourneys.objects.filter(train_id=train_id)
                .order_by("number")
                .values_list("number", "sold_legs")
            ),
            batch_size=2000,
        )


def train_seats_from_journeys(apps, schema_editor):
    # Back to one inventory per train: every seat, with the legs sold on it on any journey.
    Train = apps.get_model("trains", "Train")
    Seat = apps.get_model("trains", "Seat")
    SeatBeforeJourneys = apps.get_model("trains", "SeatBeforeJourneys")
    for train in Train.objects.order_by("pk"):
        sold: dict[int, int] = {}
        for number, mask in Seat.objects.filter(train=train).exclude(sold_legs=0).values_list(
            "number", "sold_legs"
        ):
            sold[number] = sold.get(number, 0) | mask
        SeatBeforeJourneys.objects.bulk_create(
            (
                SeatBeforeJourneys(train=train, number=number, sold_legs=sold.get(number, 0))
                for number in range(1, train.total_seats + 1)
            ),
            batch_size=2000,
        )


def fillfactor_set(apps, schema_editor):
    # As trains 0002 did for the table this one replaces: room for in-place mask updates.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE trains_seat SET (fillfactor = 80)")


class Migration(migrations.Migration):
    dependencies = [
        ("trains", "0003_timetable"),
        ("bookings", "0005_seat_cap_per_user"),
    ]

    operations = [
        migrations.RenameModel("Seat", "SeatBeforeJourneys"),
        migrations.CreateModel(
            name="Journey",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "train", "date", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("date", models.DateField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "train",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="journeys",
                        to="trains.train",
                    ),
                ),
            ],
            options={"ordering": ["train_id", "date"]},
        ),
        migrations.CreateModel(
            name="Seat",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "train",
                        "journey_date",
                        "number",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("journey_date", models.DateField()),
                ("number", models.PositiveSmallIntegerField()),
                ("sold_legs", models.BigIntegerField(default=0)),
                (
                    "train",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="seats",
                        to="trains.train",
                    ),
                ),
            ],
            options={
                "ordering": ["train_id", "journey_date", "number"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("number__gte", 1)), name="seat_number_positive"),
                    models.CheckConstraint(condition=models.Q(("sold_legs__gte", 0)), name="seat_sold_legs_mask"),
                ],
            },
        ),
        migrations.RunPython(fillfactor_set, migrations.RunPython.noop),
        migrations.RunPython(journeys_from_train_seats, train_seats_from_journeys),
        migrations.DeleteModel("SeatBeforeJourneys"),
    ]
