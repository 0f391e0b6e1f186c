"""Load a small demo network and a demo admin; safe to run again."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from trains.models import Train
from trains.services import train_create

DEMO_TRAINS = [
    (12951, "Rajdhani Express", 40, ["Mumbai Central", "Surat", "Vadodara", "Ratlam", "Kota", "New Delhi"]),
    (12009, "Shatabdi Express", 30, ["Mumbai Central", "Surat", "Vadodara", "Ahmedabad"]),
    (
        12627,
        "Karnataka Express",
        50,
        ["Bengaluru", "Anantapur", "Secunderabad", "Nagpur", "Bhopal", "New Delhi"],
    ),
    (11301, "Udyan Express", 20, ["Mumbai Central", "Pune", "Solapur", "Bengaluru"]),
    (22691, "Night Express", 2, ["Bengaluru", "Secunderabad"]),
]


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
            for number, name, seats, stops in DEMO_TRAINS:
                if Train.objects.filter(train_number=number).exists():
                    continue
                train_create(
                    train_number=number,
                    name=name,
                    source=stops[0],
                    destination=stops[-1],
                    total_seats=seats,
                    stops=stops,
                )
                self.stdout.write(f"Created train {number} {name}: {' -> '.join(stops)}")
