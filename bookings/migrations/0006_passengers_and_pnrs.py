"""Give bookings a PNR, a class, fares and passengers.

Every booking made before gets a random PNR, the class of the coach its first seat is in, a
fare of nothing (no fare was charged), and one anonymous passenger per seat, in seat order,
cancelled with it if it is cancelled. The layouts' positions and the code alphabet are written
out here, so that the migration stays what it was when the rules change.
"""

import secrets
from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

import bookings.models
import bookings.pnrs

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LAYOUT_POSITIONS = {
    "seats-2x2": ("window", "aisle", "aisle", "window"),
    "seats-3x2": ("window", "middle", "aisle", "aisle", "window"),
    "berths-4": ("lower", "upper", "lower", "upper"),
    "berths-6": ("lower", "upper", "lower", "upper", "side_lower", "side_upper"),
    "berths-8": ("lower", "middle", "upper", "lower", "middle", "upper", "side_lower", "side_upper"),
}
POSITIONS = tuple(dict.fromkeys(position for pattern in LAYOUT_POSITIONS.values() for position in pattern))


def _seat_places(coaches):
    """Return {seat number: (coach, seat in coach, position, class)} for a train's coaches in order."""
    places = {}
    first = 1
    for code, travel_class, seats, layout in coaches:
        pattern = LAYOUT_POSITIONS[layout]
        for seat in range(1, seats + 1):
            places[first + seat - 1] = (code, seat, pattern[(seat - 1) % len(pattern)], travel_class)
        first += seats
    return places


def passengers_fill(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    Passenger = apps.get_model("bookings", "Passenger")
    Coach = apps.get_model("trains", "Coach")
    places_of = {}
    used = set()
    passengers = []
    bookings = Booking.objects.order_by("pk").values_list(
        "pk", "train_id", "seat_numbers", "status", "cancelled_at", "seat_count"
    )
    for booking_id, train_id, seat_numbers, status, cancelled_at, seat_count in bookings.iterator():
        if train_id not in places_of:
            coaches = Coach.objects.filter(train_id=train_id).order_by("position")
            places_of[train_id] = _seat_places(coaches.values_list("coach", "travel_class", "seats", "layout"))
        places = places_of[train_id]
        pnr = None
        while pnr is None or pnr in used:
            pnr = "".join(secrets.choice(ALPHABET) for _ in range(10))
        used.add(pnr)
        seats = sorted(seat_numbers)
        travel_class = places[seats[0]][3] if seats and seats[0] in places else "GEN"
        Booking.objects.filter(pk=booking_id).update(
            pnr=pnr,
            travel_class=travel_class,
            seats_cancelled=seat_count if status == "cancelled" else 0,
        )
        for passenger_id, seat_number in enumerate(seats, 1):
            coach, seat, position, _ = places.get(seat_number, ("C1", seat_number, "window", travel_class))
            passengers.append(
                Passenger(
                    booking_id=booking_id,
                    passenger_id=passenger_id,
                    coach=coach,
                    seat=seat,
                    seat_number=seat_number,
                    position=position,
                    fare=Decimal("0.00"),
                    status=status,
                    cancelled_at=cancelled_at,
                    refund=Decimal("0.00") if status == "cancelled" else None,
                )
            )
        if len(passengers) >= 5_000:
            Passenger.objects.bulk_create(passengers)
            passengers = []
    Passenger.objects.bulk_create(passengers)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0005_import_lease"),
        ("trains", "0006_default_coaches"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking", name="pnr", field=models.CharField(max_length=10, null=True)
        ),
        migrations.AddField(
            model_name="booking",
            name="travel_class",
            field=models.CharField(default="GEN", max_length=8),
        ),
        migrations.AddField(
            model_name="booking",
            name="fare_total",
            field=models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=12),
        ),
        migrations.AddField(
            model_name="booking",
            name="refund_total",
            field=models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=12),
        ),
        migrations.AddField(
            model_name="booking",
            name="currency",
            field=models.CharField(default=bookings.models.fare_currency, max_length=3),
        ),
        migrations.AddField(
            model_name="booking", name="seats_cancelled", field=models.PositiveSmallIntegerField(default=0)
        ),
        migrations.CreateModel(
            name="Passenger",
            fields=[
                ("pk", models.CompositePrimaryKey("booking", "passenger_id", blank=True, editable=False,
                                                  primary_key=True, serialize=False)),
                ("passenger_id", models.PositiveSmallIntegerField()),
                ("name", models.CharField(blank=True, max_length=100, null=True)),
                ("age", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("preference", models.CharField(blank=True, default="", max_length=12)),
                ("coach", models.CharField(max_length=8)),
                ("seat", models.PositiveSmallIntegerField()),
                ("seat_number", models.PositiveSmallIntegerField()),
                ("position", models.CharField(max_length=12)),
                ("preference_met", models.BooleanField(blank=True, null=True)),
                ("fare", models.DecimalField(decimal_places=2, max_digits=10)),
                (
                    "status",
                    models.CharField(
                        choices=[("confirmed", "Confirmed"), ("cancelled", "Cancelled")],
                        default="confirmed",
                        max_length=10,
                    ),
                ),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                ("refund", models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True)),
                (
                    "booking",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="passengers",
                        to="bookings.booking",
                    ),
                ),
            ],
            options={"ordering": ["booking", "passenger_id"]},
        ),
        migrations.RunPython(passengers_fill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="booking",
            name="pnr",
            field=models.CharField(default=bookings.pnrs.pnr_new, max_length=10, unique=True),
        ),
    ]
