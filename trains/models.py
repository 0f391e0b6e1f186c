"""The network: stations, trains and the ordered stops of each train's route."""

from django.db import models


def station_key(name: str) -> str:
    """Return the form under which station names are compared: trimmed and case-folded."""
    return name.strip().casefold()


class Station(models.Model):
    name = models.CharField(max_length=100)
    # Unique comparison key, so that "Delhi", " delhi " and "DELHI" are one station.
    key = models.CharField(max_length=100, unique=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(key=""), name="station_key_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.name = self.name.strip()
        self.key = station_key(self.name)
        super().save(*args, **kwargs)


class Train(models.Model):
    MAX_SEATS = 10_000
    # Legs are numbered 0..62 so that a seat's occupied legs fit in one signed 64-bit mask.
    MAX_STOPS = 64

    train_number = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=100, blank=True, default="")
    total_seats = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["train_number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_seats__gte=1, total_seats__lte=10_000),
                name="train_total_seats_in_range",
            ),
            models.CheckConstraint(condition=models.Q(train_number__gte=1), name="train_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.train_number} {self.name}".strip()


class Stop(models.Model):
    """A call of a train at a station; `position` 0 is the origin. Leg i runs from stop i to i+1."""

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="stops")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="stops")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["train", "position"]
        constraints = [
            models.UniqueConstraint(fields=["train", "position"], name="stop_unique_position"),
            models.UniqueConstraint(fields=["train", "station"], name="stop_station_once_per_train"),
            models.CheckConstraint(condition=models.Q(position__lt=64), name="stop_position_in_range"),
        ]
        indexes = [models.Index(fields=["station", "train", "position"], name="stop_station_lookup")]

    def __str__(self) -> str:
        return f"{self.train.train_number} #{self.position} {self.station.name}"


class Seat(models.Model):
    """A seat of a train, with the legs sold on it as a bit mask (bit i set: leg i is sold).

    The mask lets the seat engine read a train's inventory as one row per seat. It is
    derived from the bookings' SeatLeg rows, which the database keeps unique per seat
    and leg, and is written in the same transaction as they are.
    """

    # Keyed by what it is, with no surrogate id: one index fewer on the largest table.
    pk = models.CompositePrimaryKey("train", "number")
    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="seats")
    number = models.PositiveSmallIntegerField()
    sold_legs = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["train", "number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(number__gte=1), name="seat_number_positive"),
            models.CheckConstraint(condition=models.Q(sold_legs__gte=0), name="seat_sold_legs_mask"),
        ]

    def __str__(self) -> str:
        return f"seat {self.number} of train {self.train_id}"
