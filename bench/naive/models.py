"""A train with a seat counter, and bookings that only record how many seats they took."""

from django.conf import settings
from django.db import models


class NaiveTrain(models.Model):
    train_number = models.PositiveIntegerField(unique=True)
    total_seats = models.PositiveIntegerField()
    available_seats = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"naive train {self.train_number}"


class NaiveBooking(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    train = models.ForeignKey(NaiveTrain, on_delete=models.CASCADE, related_name="bookings")
    seat_count = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"naive booking {self.pk}"
