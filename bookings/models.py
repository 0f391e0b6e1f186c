"""Journeys and their free seats, bookings and the seats they hold, and stored responses for retries."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models

from bookings.pnrs import PNR_LENGTH, pnr_new
from trains.coach_plans import DEFAULT_CLASS
from trains.models import CODE_MAX_LENGTH, Train
from trains.seat_positions import POSITIONS


def fare_currency() -> str:
    return settings.FARE_CURRENCY


class Journey(models.Model):
    """A train's run from its origin on one start date: what seats are sold for.

    Created with its free seats by the first booking for the date, so that no table grows
    with the calendar unless a date is booked. Its row is the lock that serialises the sales
    and cancellations of the journey (bookings.inventory), so dates of one train never wait
    on each other.
    """

    pk = models.CompositePrimaryKey("train", "date")
    # No index of its own: the primary key starts with the train.
    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="journeys", db_index=False)
    # The date the train leaves its first station.
    date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    # When the chart was prepared (bookings.charts): from then on no booking waits on the journey.
    charted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["train_id", "date"]

    def __str__(self) -> str:
        return f"{self.train_id} on {self.date}"


class FreeStretch(models.Model):
    """Legs from_position .. to_position - 1 on which one seat of a journey is free.

    Each stretch is maximal: the legs either side of it are sold on that seat, or lie past
    an end of the route. A seat sold on no leg has one stretch over the whole route; a seat
    sold on every leg has none. The stretches are derived from the bookings' BookingSeat
    rows (``manage.py check_inventory`` recomputes them) and written only by
    bookings.inventory, in the same transaction as those rows.
    """

    pk = models.CompositePrimaryKey("train", "journey_date", "seat_number", "from_position")
    # No foreign key to the journey: Django has none to a composite key. The journey's rows
    # go with it (bookings.inventory), and its train's with the train.
    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="+", db_index=False)
    journey_date = models.DateField()
    seat_number = models.PositiveSmallIntegerField()
    from_position = models.PositiveSmallIntegerField()
    to_position = models.PositiveSmallIntegerField()
    # How many legs the stretch spans: the order in which a sale looks at candidate seats.
    length = models.GeneratedField(
        expression=models.F("to_position") - models.F("from_position"),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(seat_number__gte=1), name="freestretch_seat_positive"),
            models.CheckConstraint(
                condition=models.Q(from_position__lt=models.F("to_position"), to_position__lt=250),
                name="freestretch_legs_forward",
            ),
        ]
        indexes = [
            # The tightest stretches of a journey first: a sale reads the first rows that cover
            # its segment, however many seats the journey has or has sold. The positions are in
            # the key so that the stretches that do not cover the segment are passed over in
            # the index, without a visit to the table each. Every stretch has a length; the
            # condition, which the covering queries state, keeps the planner from taking this
            # index to find a few seats' stretches, which the primary key finds by seat.
            models.Index(
                fields=["train", "journey_date", "length", "seat_number", "from_position", "to_position"],
                condition=models.Q(length__gt=0),
                name="freestretch_tightest",
            ),
            # A journey's stretches by where they start: the seats free on a segment are among
            # those starting at or before it, few where the journey is sold up to it (a waitlist
            # is counted so, bookings.waitlist), however many seats it has free further on.
            models.Index(
                fields=["train", "journey_date", "from_position", "to_position", "seat_number"],
                condition=models.Q(length__gt=0),
                name="freestretch_by_start",
            ),
        ]

    def __str__(self) -> str:
        return f"seat {self.seat_number} free on legs {self.from_position}-{self.to_position - 1}"


class Booking(models.Model):
    """A sale of seats on a segment of a journey, in one class, for its passengers.

    Held, its seats are taken until `expires_at` and then free, whether or not anything has
    written so yet (bookings.journey_events). Waitlisted, it holds no seat and waits, in the
    order of its id among its journey's and class's, for seats to be freed (bookings.waitlist).
    """

    class Status(models.TextChoices):
        HELD = "held", "Held"
        CONFIRMED = "confirmed", "Confirmed"
        WAITLISTED = "waitlisted", "Waitlisted"
        CANCELLED = "cancelled", "Cancelled"

    class Reason(models.TextChoices):
        """Why a cancelled booking was cancelled; none while it is not."""

        NONE = "", "Not cancelled"
        REQUESTED = "requested", "Requested by the passenger or staff"
        HOLD_EXPIRED = "hold_expired", "Hold expired"
        NOT_CONFIRMED_AT_CHART = "not_confirmed_at_chart", "Not confirmed at chart"
        JOURNEY_CHANGED = "journey_changed", "Journey changed by the operator"

    # No index of its own: booking_user_newest starts with the user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    # No index of its own: booking_journey_user starts with the train.
    train = models.ForeignKey(Train, on_delete=models.PROTECT, related_name="bookings", db_index=False)
    # The journey ridden: the date the train leaves its first station (Journey).
    journey_date = models.DateField()
    # Stop positions on the train's route; the booking rides legs from_position .. to_position - 1.
    from_position = models.PositiveSmallIntegerField()
    to_position = models.PositiveSmallIntegerField()
    seat_count = models.PositiveSmallIntegerField()
    # The seats sold, kept after cancellation for the record; BookingSeat rows are what hold them.
    seat_numbers = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The booking's code for its passengers (bookings.pnrs): random, so that it tells nothing of
    # other bookings; the unique index refuses the rare draw that repeats one.
    pnr = models.CharField(max_length=PNR_LENGTH, unique=True, default=pnr_new)
    travel_class = models.CharField(max_length=CODE_MAX_LENGTH, default=DEFAULT_CLASS)
    # What the passengers paid, each passenger's fare added up; and what cancellations refunded.
    fare_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    refund_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default=fare_currency)
    # Passengers cancelled one by one while others ride on: the seats held are seat_count less these.
    seats_cancelled = models.PositiveSmallIntegerField(default=0)
    cancel_reason = models.CharField(max_length=24, choices=Reason.choices, blank=True, default="")
    # Asked to be held rather than sold: unpaid until confirmed; a waiting booking that asked so is
    # held when it is served.
    hold_requested = models.BooleanField(default=False)
    # A hold's end, and the latest its extensions may move it to; kept once it is confirmed or lapsed.
    expires_at = models.DateTimeField(null=True, blank=True)
    hold_limit_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(from_position__lt=models.F("to_position")),
                name="booking_segment_forward",
            ),
            models.CheckConstraint(condition=models.Q(seat_count__gte=1), name="booking_seat_count_positive"),
            models.CheckConstraint(
                condition=models.Q(status__in=["held", "confirmed", "waitlisted", "cancelled"]),
                name="booking_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="cancelled", cancelled_at__isnull=False)
                | (~models.Q(status="cancelled") & models.Q(cancelled_at__isnull=True)),
                name="booking_cancelled_at_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(status="cancelled") ^ models.Q(cancel_reason=""),
                name="booking_reason_matches_status",
            ),
            # Live while one passenger is; cancelled once none is.
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["held", "confirmed", "waitlisted"], seats_cancelled__lt=models.F("seat_count")
                )
                | models.Q(status="cancelled", seats_cancelled=models.F("seat_count")),
                name="booking_seats_cancelled_matches_status",
            ),
            # A hold has an end, never past its limit.
            models.CheckConstraint(
                condition=~models.Q(status="held")
                | models.Q(
                    expires_at__isnull=False,
                    hold_limit_at__isnull=False,
                    expires_at__lte=models.F("hold_limit_at"),
                ),
                name="booking_hold_has_end",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="held") | models.Q(hold_requested=True),
                name="booking_held_when_asked",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    fare_total__gte=0, refund_total__gte=0, refund_total__lte=models.F("fare_total")
                ),
                name="booking_money_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="booking_user_newest"),
            # A train's bookings on a journey, for the admin's figures.
            models.Index(fields=["train", "journey_date", "user"], name="booking_journey_user"),
            # The seats a user holds on one journey and on every journey from a date on: both
            # caps, counted at every sale under the user's and the journey's locks.
            models.Index(
                fields=["user", "journey_date", "train"],
                condition=models.Q(status__in=["held", "confirmed", "waitlisted"]),
                name="booking_user_ahead",
            ),
            # A journey's holds by their end: the ones lapsed are found at every sale.
            models.Index(
                fields=["train", "journey_date", "expires_at"],
                condition=models.Q(status="held"),
                name="booking_holds_by_end",
            ),
            # A journey's waitlist, by class in order of arrival.
            models.Index(
                fields=["train", "journey_date", "travel_class", "id"],
                condition=models.Q(status="waitlisted"),
                name="booking_waitlist",
            ),
        ]

    def __str__(self) -> str:
        return f"Booking {self.pk} on {self.train_id} ({self.status})"


# bookingseat_no_double_sale keys a held seat by one bigint: train id (31 bits), days since
# 2000-01-01 (18 bits) and seat number (14 bits), so that its GiST index keeps each journey's
# seats together whatever order they are sold in.
JOURNEY_SEAT_KEY_TRAINS = 2**31
JOURNEY_SEAT_KEY_FIRST_DATE = datetime.date(2000, 1, 1)
JOURNEY_SEAT_KEY_LAST_DATE = JOURNEY_SEAT_KEY_FIRST_DATE + datetime.timedelta(days=2**18 - 1)
JOURNEY_SEAT_KEY_SEATS = 2**14


class BookingSeat(models.Model):
    """One seat held by a confirmed booking, on the booking's segment of the route.

    The segment is copied from the booking so that the database can guard it: an exclusion
    constraint on PostgreSQL (``bookingseat_no_double_sale``: same journey, same seat,
    overlapping legs) and triggers of the same name on SQLite refuse a second row that
    would sell a seat twice on any leg, whatever the application does. Both are created by
    migration 0002 (from the .sql files beside it), not declared here, because neither
    database can express the other's.
    """

    pk = models.CompositePrimaryKey("booking", "seat_number")
    # No index of its own: the primary key starts with the booking.
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="seats_held", db_index=False)
    seat_number = models.PositiveSmallIntegerField()
    # The booking's journey and segment. No foreign key to the train: the booking has one, and a
    # second would only double the checks on every row written.
    train = models.ForeignKey(
        Train, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    journey_date = models.DateField()
    # The seat is held on legs from_position .. to_position - 1.
    from_position = models.PositiveSmallIntegerField()
    to_position = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(seat_number__gte=1), name="bookingseat_seat_positive"),
            models.CheckConstraint(
                condition=models.Q(from_position__lt=models.F("to_position"), to_position__lt=250),
                name="bookingseat_segment_forward",
            ),
            # What bookingseat_no_double_sale's one-number journey-and-seat key can hold
            # (migration 0002): any other value could collide with another seat's key.
            models.CheckConstraint(
                condition=models.Q(
                    train_id__lt=JOURNEY_SEAT_KEY_TRAINS,
                    journey_date__gte=JOURNEY_SEAT_KEY_FIRST_DATE,
                    journey_date__lte=JOURNEY_SEAT_KEY_LAST_DATE,
                    seat_number__lt=JOURNEY_SEAT_KEY_SEATS,
                ),
                name="bookingseat_journey_seat_key_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"seat {self.seat_number} of booking {self.booking_id}"


class Passenger(models.Model):
    """One traveller of a booking, the seat they hold and what they paid, numbered from 1 in the booking.

    A booking without named passengers has anonymous ones (no name, no age), one per seat.
    Cancelled alone or with the booking, a passenger keeps the seat they held, for the record;
    their BookingSeat row, which held it, is gone.
    """

    class Status(models.TextChoices):
        HELD = "held", "Held"
        CONFIRMED = "confirmed", "Confirmed"
        WAITLISTED = "waitlisted", "Waitlisted"
        CANCELLED = "cancelled", "Cancelled"

    pk = models.CompositePrimaryKey("booking", "passenger_id")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="passengers", db_index=False)
    passenger_id = models.PositiveSmallIntegerField()
    # None for an anonymous passenger, as the API writes it: no name is not an empty one.
    name = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    preference = models.CharField(max_length=12, blank=True, default="")
    # The seat as the passenger's ticket names it, copied from the coaches as they were at the sale;
    # none while waitlisted.
    coach = models.CharField(max_length=CODE_MAX_LENGTH, null=True, blank=True)  # noqa: DJ001
    seat = models.PositiveSmallIntegerField(null=True, blank=True)
    seat_number = models.PositiveSmallIntegerField(null=True, blank=True)
    position = models.CharField(max_length=12, null=True, blank=True)  # noqa: DJ001
    preference_met = models.BooleanField(null=True, blank=True)
    fare = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    refund = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["booking", "passenger_id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(passenger_id__gte=1), name="passenger_id_positive"),
            models.CheckConstraint(
                condition=models.Q(age__isnull=True) | models.Q(age__lte=125), name="passenger_age_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(preference__in=["", *POSITIONS]), name="passenger_preference_known"
            ),
            # A seat while held or confirmed; none while waiting.
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["held", "confirmed"],
                    coach__isnull=False,
                    seat__isnull=False,
                    seat_number__isnull=False,
                    position__isnull=False,
                )
                | models.Q(
                    status="waitlisted",
                    coach__isnull=True,
                    seat__isnull=True,
                    seat_number__isnull=True,
                    position__isnull=True,
                )
                | models.Q(status="cancelled"),
                name="passenger_seat_matches_status",
            ),
            # A refund, at most the fare, exactly when cancelled.
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["held", "confirmed", "waitlisted"],
                    cancelled_at__isnull=True,
                    refund__isnull=True,
                )
                | models.Q(
                    status="cancelled",
                    cancelled_at__isnull=False,
                    refund__gte=0,
                    refund__lte=models.F("fare"),
                ),
                name="passenger_refund_matches_status",
            ),
            models.CheckConstraint(condition=models.Q(fare__gte=0), name="passenger_fare_not_negative"),
        ]

    def __str__(self) -> str:
        return f"passenger {self.passenger_id} of booking {self.booking_id}"


class IdempotencyRecord(models.Model):
    """The finished response to a request sent with an Idempotency-Key, replayed on retries."""

    # No index of its own: idempotency_key_per_user starts with the user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
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


class ImportLease(models.Model):
    """Which timetable import runs, and until when its lease lasts: one row, so imports run one at a time.

    A row rather than a PostgreSQL advisory lock: behind a pooler in transaction mode (PgBouncer)
    each of an import's transactions may run on another server session, and a session's lock
    would be shared with whoever gets that session next, or outlive the import. A lease that is
    not renewed (the import died) expires by itself.
    """

    ONLY = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ONLY)
    holder = models.CharField(max_length=32, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="import_lease_one_row")]

    def __str__(self) -> str:
        return f"import lease of {self.holder or 'no one'} until {self.expires_at}"
