"""Give stations a time zone: existing ones get TIME_ZONE, in which their trains' times were written."""

from django.db import migrations, models

import trains.time_zones


class Migration(migrations.Migration):
    dependencies = [
        ("trains", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="station",
            name="time_zone",
            # Evaluated once, as the migration runs: every existing station gets the deployment's
            # TIME_ZONE, so that its trains leave and arrive at the same instants as before.
            field=models.CharField(
                default=trains.time_zones.service_time_zone,
                help_text="The IANA time zone of the station, such as Europe/Paris or Asia/Kolkata.",
                max_length=64,
                validators=[trains.time_zones.time_zone_validator],
            ),
        ),
        migrations.AddConstraint(
            model_name="station",
            constraint=models.CheckConstraint(
                condition=models.Q(("time_zone", ""), _negated=True), name="station_time_zone_not_empty"
            ),
        ),
    ]
