"""Load a small demo network and a demo admin; safe to run again."""

import datetime
import os
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from trains.coach_plans import CoachPlan
from trains.fares import FarePlan
from trains.models import Train
from trains.services import train_create, train_route_replace

# Every demo station is in India, whose clocks keep Indian Standard Time (UTC+05:30).
DEMO_TIME_ZONE = "Asia/Kolkata"
# Number, name, seats, the time of day it leaves (India time), and its calls as (station, minutes
# after the start when it arrives, minutes when it departs); the first call has no arrival, the
# last no departure.
DEMO_TRAINS = [
    (
        12951,
        "Rajdhani Express",
        40,
        datetime.time(17, 0),
        [
            ("Mumbai Central", None, 0),
            ("Surat", 175, 180),
            ("Vadodara", 265, 270),
            ("Ratlam", 425, 430),
            ("Kota", 620, 625),
            ("New Delhi", 935, None),  # 08:35 the next morning
        ],
    ),
    (
        12009,
        "Shatabdi Express",
        30,
        datetime.time(6, 20),
        [("Mumbai Central", None, 0), ("Surat", 170, 173), ("Vadodara", 260, 265), ("Ahmedabad", 400, None)],
    ),
    (
        12627,
        "Karnataka Express",
        50,
        datetime.time(19, 20),
        [
            ("Bengaluru", None, 0),
            ("Anantapur", 215, 220),
            ("Secunderabad", 640, 660),
            ("Nagpur", 1190, 1200),
            ("Bhopal", 1570, 1580),
            ("New Delhi", 2315, None),  # two nights on board
        ],
    ),
    (
        11301,
        "Udyan Express",
        20,
        datetime.time(8, 10),
        [("Mumbai Central", None, 0), ("Pune", 215, 220), ("Solapur", 505, 510), ("Bengaluru", 1360, None)],
    ),
    (22691, "Night Express", 2, datetime.time(22, 45), [("Bengaluru", None, 0), ("Secunderabad", 660, None)]),
]


# The demo trains sold by class, their coaches and fares, and their stops' distances in km.
DEMO_SEATING = {
    12951: (
        [CoachPlan("A1", "2A", 16, "berths-6"), CoachPlan("B1", "3A", 24, "berths-8")],
        [
            FarePlan("2A", Decimal("2.10"), Decimal("400.00")),
            FarePlan("3A", Decimal("1.45"), Decimal("300.00")),
        ],
        [0, 263, 392, 653, 918, 1384],
    ),
}


def minutes(value: int | None) -> datetime.timedelta | None:
    return None if value is None else datetime.timedelta(minutes=value)


class Command(BaseCommand):
    help = (
        "Create the demo trains and a demo superuser (admin / DEMO_ADMIN_PASSWORD, default 'railway-admin')."
    )

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "railway-admin")
        User = get_user_model()
        with transaction.atomic():
            admin = User.objects.filter(username__iexact="admin").first()
            if admin is None:
                User.objects.create_superuser(username="admin", email="admin@example.com", password=password)
                self.stdout.write(f"Created superuser admin / {password}")
            for number, name, seats, departs_at, calls in DEMO_TRAINS:
                if Train.objects.filter(train_number=number).exists():
                    continue
                stops = [station for station, _, _ in calls]
                coaches, fares, distances = DEMO_SEATING.get(number, (None, None, None))
                train = train_create(
                    train_number=number,
                    name=name,
                    source=stops[0],
                    destination=stops[-1],
                    total_seats=seats,
                    stops=stops,
                    distances_km=None if distances is None else [Decimal(km) for km in distances],
                    time_zone=DEMO_TIME_ZONE,
                    coaches=coaches,
                    fares=fares,
                )
                train.departs_at = departs_at
                train.save(update_fields=["departs_at"])
                times = [(minutes(arrival), minutes(departure)) for _, arrival, departure in calls]
                train_route_replace(train=train, stops=stops, times=times)
                self.stdout.write(f"Created train {number} {name}: {' -> '.join(stops)}")
