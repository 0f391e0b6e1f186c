"""Bookings, the seat-legs they occupy, and stored responses for idempotent retries."""

from django.conf import settings
from django.db import models

from trains.models import Train


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    # No index of its own: booking_user_newest starts with the user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    train = models.ForeignKey(Train, on_delete=models.PROTECT, related_name="bookings")
    # Stop positions on the train's route; the booking rides legs from_position .. to_position - 1.
    from_position = models.PositiveSmallIntegerField()
    to_position = models.PositiveSmallIntegerField()
    seat_count = models.PositiveSmallIntegerField()
    # The seats sold, kept after cancellation for the record; SeatLeg rows are what hold them.
    seat_numbers = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(from_position__lt=models.F("to_position")),
                name="booking_segment_forward",
            ),
            models.CheckConstraint(condition=models.Q(seat_count__gte=1), name="booking_seat_count_positive"),
            models.CheckConstraint(
                condition=models.Q(status__in=["confirmed", "cancelled"]), name="booking_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="cancelled", cancelled_at__isnull=False)
                | models.Q(status="confirmed", cancelled_at__isnull=True),
                name="booking_cancelled_at_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="booking_user_newest")]

    def __str__(self) -> str:
        return f"Booking {self.pk} on {self.train_id} ({self.status})"


class SeatLeg(models.Model):
    """One seat held on one leg of a train's route by a confirmed booking.

    Its primary key, (train, leg, seat), is the guarantee against selling a seat twice:
    whatever the application does, the database refuses a second row. A per-date
    inventory adds the journey date to this key.
    """

    pk = models.CompositePrimaryKey("train", "leg", "seat_number")
    # The train is the booking's; a second foreign key would only double the checks on every
    # row written, and the primary key serves as its index.
    train = models.ForeignKey(
        Train, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    leg = models.PositiveSmallIntegerField()
    seat_number = models.PositiveSmallIntegerField()
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="seat_legs")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(seat_number__gte=1), name="seatleg_seat_positive"),
            models.CheckConstraint(condition=models.Q(leg__lt=63), name="seatleg_leg_in_range"),
        ]

    def __str__(self) -> str:
        return f"seat {self.seat_number} leg {self.leg} of train {self.train_id}"


class IdempotencyRecord(models.Model):
    """The finished response to a request sent with an Idempotency-Key, replayed on retries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
