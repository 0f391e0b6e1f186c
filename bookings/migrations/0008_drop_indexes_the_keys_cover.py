"""Drop two indexes that a wider key already provides.

A held seat's booking is the first column of its primary key (booking, seat_number), and an
idempotency record's user the first of idempotency_key_per_user (user, key): the foreign keys'
own indexes only cost a write on every sale. The columns keep their foreign keys.

Only the indexes are dropped. Django's AlterField would rebuild the tables on SQLite, which
loses bookingseat_no_double_sale's triggers (0006), and re-create the foreign keys on
PostgreSQL, which checks every row again.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("bookings_bookingseat_booking_id_79c555ff", "bookings_bookingseat", "booking_id"),
    ("bookings_idempotencyrecord_user_id_f01755bd", "bookings_idempotencyrecord", "user_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0007_sell_seats_generic_plans"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="bookingseat",
                    name="booking",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="seats_held",
                        to="bookings.booking",
                    ),
                ),
                migrations.AlterField(
                    model_name="idempotencyrecord",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
