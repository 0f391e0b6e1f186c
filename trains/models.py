"""The network: stations, trains with their timetables, and the ordered stops of each train's route."""

import datetime
import re

from django.db import models
from django.db.models.functions import Length, Upper
from django.db.models.lookups import LessThanOrEqual

# Re-exported: the network compares names by these.
from trains.coach_plans import COACH_MAX_SEATS
from trains.seat_positions import DEFAULT_LAYOUT, LAYOUT_POSITIONS
from trains.station_names import station_code_base, station_key, station_words  # noqa: F401
from trains.time_zones import TIME_ZONE_MAX_LENGTH, service_time_zone, time_zone_validator

# Bit i of Train.runs_on is weekday i, Monday first (date.weekday()).
EVERY_DAY = 0b111_1111
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Station(models.Model):
    """A station, known by its unique code; its name may repeat (two "Central" stations in two cities)."""

    CODE_MAX_LENGTH = 64

    # What passengers and apps pass to name this very station: a GTFS stop_id, or made from the name.
    code = models.CharField(max_length=CODE_MAX_LENGTH)
    name = models.CharField(max_length=100)
    # The name as names are compared (station_key); names may repeat, so it is not unique.
    key = models.CharField(max_length=200, editable=False)
    # Where the station's clocks are: its trains' times there are written in it.
    time_zone = models.CharField(
        max_length=TIME_ZONE_MAX_LENGTH,
        default=service_time_zone,
        validators=[time_zone_validator],
        help_text="The IANA time zone of the station, such as Europe/Paris or Asia/Kolkata.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(key=""), name="station_key_not_empty"),
            models.CheckConstraint(condition=~models.Q(time_zone=""), name="station_time_zone_not_empty"),
            models.CheckConstraint(condition=~models.Q(code=""), name="station_code_not_empty"),
            # Codes are compared ignoring case, so they are unique ignoring case.
            models.UniqueConstraint(Upper("code"), name="station_code_unique"),
        ]
        # Finds a station by name, and serves the finder's pages in name order.
        indexes = [models.Index(fields=["key", "code"], name="station_name_order")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.name = self.name.strip()
        self.key = station_key(self.name)
        super().save(*args, **kwargs)


class WordStartsWith(models.Lookup):
    """`WordStartsWith(F("word"), prefix)`: the prefix search of the station finder, served by an index.

    On PostgreSQL a LIKE, which the pattern operator class of station_word_prefix serves whatever
    the collation; elsewhere (SQLite) a range in binary order, which a plain index serves, since
    SQLite's LIKE ignores case and so uses no index. Words are letters, digits and marks only.
    """

    lookup_name = "word_starts_with"

    def prefix(self) -> str:
        # Given as a plain string, resolved into a Value when the lookup is a filter's expression.
        return self.rhs.value if isinstance(self.rhs, models.Value) else self.rhs

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = self.prefix()
        following = ord(prefix[-1]) + 1
        # Past the surrogates, which no string holds.
        after_prefix = prefix[:-1] + chr(0xE000 if 0xD800 <= following < 0xE000 else following)
        return f"{lhs} >= %s AND {lhs} < %s", [*lhs_params, prefix, after_prefix]

    def as_postgresql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        pattern = self.prefix().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return f"{lhs} LIKE %s", [*lhs_params, pattern]


class StationWord(models.Model):
    """A word of a station's name (station_words), so that the station finder looks words up by prefix.

    Written by the services that create and rename stations (trains.services.station_words_write).
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="words")
    word = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["station", "word"], name="station_word_once")]
        indexes = [
            # A prefix search (LIKE 'pari%') uses a btree index on PostgreSQL only with the
            # pattern operator class, whatever the database's collation; other databases ignore
            # it. With the station, the index alone answers which stations have the word.
            models.Index(
                fields=["word", "station"],
                name="station_word_prefix",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.word


class Train(models.Model):
    MAX_SEATS = 10_000
    # Fifty coaches of the largest size hold MAX_SEATS; twice that leaves room for small ones.
    MAX_COACHES = 100
    # Long-distance expresses call at over a hundred stations.
    MAX_STOPS = 250

    # Not unique: one number may cover several timetable variants that run on different dates
    # (trains.variants keeps two active ones of a number off any common date).
    train_number = models.PositiveIntegerField(db_index=True)
    name = models.CharField(max_length=100, blank=True, default="")
    total_seats = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # The timetable. A journey starts at `departs_at` (time of day at its first station, in that
    # station's time zone) on a start date, the date there; each stop's times are the time elapsed
    # since that moment, so a journey may cross midnight (trains.time_zones).
    # Defaults in the database too, so that rows written past the ORM (bulk loads) get them.
    departs_at = models.TimeField(default=datetime.time(0, 0), db_default=datetime.time(0, 0))
    runs_on = models.PositiveSmallIntegerField(
        default=EVERY_DAY,
        db_default=EVERY_DAY,
        help_text="Days of the week the train starts its journey: bit 0 Monday .. bit 6 Sunday.",
    )
    service_from = models.DateField(null=True, blank=True, help_text="First start date; none: no limit.")
    service_until = models.DateField(null=True, blank=True, help_text="Last start date; none: no limit.")
    # Where a train imported from a GTFS feed came from: its agency_id ('' where the feed names
    # none) and trip_id. Both '' for a train added through the API or the admin.
    agency_id = models.CharField(max_length=100, blank=True, default="", db_default="")
    trip_id = models.CharField(max_length=200, blank=True, default="", db_default="")
    # A withdrawn train is neither sold nor searched; it stays for the bookings it has.
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["train_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency_id", "trip_id"],
                condition=~models.Q(trip_id="") & models.Q(withdrawn_at__isnull=True),
                name="train_unique_feed_trip",
            ),
            models.CheckConstraint(
                condition=models.Q(total_seats__gte=1, total_seats__lte=10_000),
                name="train_total_seats_in_range",
            ),
            models.CheckConstraint(condition=models.Q(train_number__gte=1), name="train_number_positive"),
            # No weekday at all: the train starts only on the dates its exceptions add.
            models.CheckConstraint(
                condition=models.Q(runs_on__lte=EVERY_DAY), name="train_runs_on_weekday_mask"
            ),
            models.CheckConstraint(
                condition=models.Q(service_from__isnull=True)
                | models.Q(service_until__isnull=True)
                | models.Q(service_from__lte=models.F("service_until")),
                name="train_service_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.train_number} {self.name}".strip()


class ServiceException(models.Model):
    """A date on which the train starts although its weekdays say not, or does not although they say so."""

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="service_exceptions")
    date = models.DateField()
    runs = models.BooleanField(help_text="Whether the train starts its journey on this date.")

    class Meta:
        ordering = ["train", "date"]
        constraints = [models.UniqueConstraint(fields=["train", "date"], name="service_exception_once_a_day")]

    def __str__(self) -> str:
        return f"{self.train.train_number} {'runs' if self.runs else 'does not run'} on {self.date}"


class Stop(models.Model):
    """A call of a train at a station; `position` 0 is the origin. Leg i runs from stop i to i+1."""

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="stops")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="stops")
    position = models.PositiveSmallIntegerField()
    # Times after the journey's start (Train.departs_at); none where the timetable has no time.
    arrival = models.DurationField(null=True, blank=True)
    departure = models.DurationField(null=True, blank=True)
    # Kilometres from the train's first station, which fares are counted by; none where unknown.
    distance_km = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["train", "position"]
        constraints = [
            models.UniqueConstraint(fields=["train", "position"], name="stop_unique_position"),
            models.UniqueConstraint(fields=["train", "station"], name="stop_station_once_per_train"),
            models.CheckConstraint(condition=models.Q(position__lt=250), name="stop_position_in_range"),
            models.CheckConstraint(
                condition=models.Q(arrival__isnull=True) | models.Q(arrival__gte=datetime.timedelta(0)),
                name="stop_arrival_not_before_start",
            ),
            models.CheckConstraint(
                condition=models.Q(departure__isnull=True) | models.Q(departure__gte=datetime.timedelta(0)),
                name="stop_departure_not_before_start",
            ),
            models.CheckConstraint(
                condition=models.Q(arrival__isnull=True)
                | models.Q(departure__isnull=True)
                | models.Q(arrival__lte=models.F("departure")),
                name="stop_arrives_before_it_departs",
            ),
            models.CheckConstraint(
                condition=models.Q(distance_km__isnull=True) | models.Q(distance_km__gte=0),
                name="stop_distance_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["station", "train", "position"], name="stop_station_lookup")]

    def __str__(self) -> str:
        return f"{self.train.train_number} #{self.position} {self.station.name}"


# Codes of coaches and classes: 1 to CODE_MAX_LENGTH upper-case letters or digits. A character
# class that lists them, rather than a range or `$`, means the same to PostgreSQL's regular
# expressions whatever the collation and to SQLite's (Python's re), which lets `$` match before
# a final newline.
CODE_MAX_LENGTH = 8
_NOT_A_CODE_CHARACTER = r"[^ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]"
# As input takes a code: in either case, stored in upper case.
_CODE_TEXT = re.compile(rf"[A-Za-z0-9]{{1,{CODE_MAX_LENGTH}}}")


def is_code(text: str) -> bool:
    """Return whether `text` is a coach's or class's code, in either case."""
    return _CODE_TEXT.fullmatch(text) is not None


def _code_constraint(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=~models.Q(**{field: ""})
        & ~models.Q(**{f"{field}__regex": _NOT_A_CODE_CHARACTER})
        & LessThanOrEqual(Length(field), CODE_MAX_LENGTH),
        name=name,
    )


class Coach(models.Model):
    """A coach of a train: its code, its class and its seats, numbered train-wide in coach order.

    The seats of coach `position` 0 are the train's seats 1..seats, those of the next coach
    follow (trains.seat_numbers); the seats of all its coaches add up to the train's total_seats
    (trains.services.coaches_total_check).
    """

    MAX_SEATS = COACH_MAX_SEATS

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="coaches")
    position = models.PositiveSmallIntegerField()
    coach = models.CharField(max_length=CODE_MAX_LENGTH)
    travel_class = models.CharField(max_length=CODE_MAX_LENGTH)
    seats = models.PositiveSmallIntegerField()
    layout = models.CharField(
        max_length=16, choices=[(name, name) for name in LAYOUT_POSITIONS], default=DEFAULT_LAYOUT
    )

    class Meta:
        ordering = ["train", "position"]
        constraints = [
            models.UniqueConstraint(fields=["train", "position"], name="coach_unique_position"),
            models.UniqueConstraint(fields=["train", "coach"], name="coach_code_once_per_train"),
            models.CheckConstraint(
                condition=models.Q(position__lt=Train.MAX_COACHES), name="coach_position_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(seats__gte=1, seats__lte=COACH_MAX_SEATS),
                name="coach_seats_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(layout__in=list(LAYOUT_POSITIONS)), name="coach_layout_known"
            ),
            _code_constraint("coach", "coach_code_pattern"),
            _code_constraint("travel_class", "coach_travel_class_pattern"),
        ]

    def __str__(self) -> str:
        return f"{self.coach} ({self.travel_class}, {self.seats} seats)"


class Fare(models.Model):
    """What a passenger pays to ride a class of a train: `per_km` for each kilometre, at least `minimum`."""

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="fares")
    travel_class = models.CharField(max_length=CODE_MAX_LENGTH)
    per_km = models.DecimalField(max_digits=8, decimal_places=2)
    minimum = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["train", "travel_class"]
        constraints = [
            models.UniqueConstraint(fields=["train", "travel_class"], name="fare_once_per_class"),
            models.CheckConstraint(
                condition=models.Q(per_km__gte=0, minimum__gte=0), name="fare_not_negative"
            ),
            _code_constraint("travel_class", "fare_travel_class_pattern"),
        ]

    def __str__(self) -> str:
        return f"{self.travel_class}: {self.per_km}/km, at least {self.minimum}"
