"""The refusals of booking, cancelling and reading bookings, each with its stable machine code."""

import datetime

from django.conf import settings

from railway.errors import Conflict, Forbidden, Invalid, NotFound


class TrainNotFound(NotFound):
    default_detail = "No train with this number."
    default_code = "train_not_found"


class BookingNotFound(NotFound):
    default_detail = "No booking with this id."
    default_code = "booking_not_found"

    @classmethod
    def of_pnr(cls) -> "BookingNotFound":
        return cls("No booking with this PNR.")


class UserNotFound(NotFound):
    default_detail = "No user with this id."
    default_code = "not_found"


class NotYourBookings(Forbidden):
    default_detail = "You may only read your own bookings."


class ChartForbidden(Forbidden):
    default_detail = "Only staff who may view bookings read a journey's chart."


class NotBookingOwner(Forbidden):
    default_detail = "This booking belongs to another user."
    default_code = "not_booking_owner"


class InsufficientSeats(Conflict):
    default_detail = "Not enough seats are free on this segment."
    default_code = "insufficient_seats"

    def __init__(self, *, available_seats: int) -> None:
        super().__init__(extra={"available_seats": available_seats})


class SeatCapReached(Conflict):
    """A sale past one of the caps on the seats one user holds, named in `seat_cap_scope`.

    `journey`: the seats held on this journey (BOOKING_MAX_SEATS_PER_USER_PER_TRAIN);
    `all_journeys`: the seats held on every journey not yet started (BOOKING_MAX_SEATS_PER_USER).
    """

    default_detail = "You hold as many seats as one passenger may."
    default_code = "seat_cap_reached"

    def __init__(self, *, scope: str, seats_held: int) -> None:
        if scope == "journey":
            cap = settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN
            detail = (
                f"One passenger may hold at most {cap} seats on a journey; you hold {seats_held} on this one."
            )
        else:
            cap = settings.BOOKING_MAX_SEATS_PER_USER
            detail = (
                f"One passenger may hold at most {cap} seats on all journeys not yet started; "
                f"you hold {seats_held}."
            )
        super().__init__(detail, extra={"seat_cap": cap, "seat_cap_scope": scope, "seats_held": seats_held})


class SeatsTaken(Conflict):
    default_detail = "The chosen seats were sold meanwhile; please retry."
    default_code = "seats_taken"


class BookingAlreadyCancelled(Conflict):
    default_detail = "This booking is already cancelled."
    default_code = "already_cancelled"


class PassengerAlreadyCancelled(Conflict):
    """Passengers of a booking asked to be cancelled who were cancelled before; `passenger_ids` lists them."""

    default_code = "already_cancelled"

    def __init__(self, *, passenger_ids: list[int]) -> None:
        super().__init__(
            f"Passengers {', '.join(map(str, passenger_ids))} of this booking are already cancelled.",
            extra={"passenger_ids": passenger_ids},
        )


class PassengerUnknown(Invalid):
    """Passenger ids that are none of the booking's; `passenger_ids` lists them."""

    default_code = "unknown_passenger"

    def __init__(self, *, passenger_ids: list[int]) -> None:
        super().__init__(
            f"This booking has no passengers {', '.join(map(str, passenger_ids))}.",
            field="passenger_ids",
            extra={"passenger_ids": passenger_ids},
        )


class SeatCountMismatch(Invalid):
    default_code = "seat_count_mismatch"

    def __init__(self, *, seat_count: int, passengers: int) -> None:
        super().__init__(
            f"seat_count is {seat_count} but {passengers} passengers are named: leave it out.",
            field="seat_count",
        )


class CancellationTooLate(Invalid):
    default_code = "train_departed"

    def __init__(self, *, boards_at: datetime.datetime | None, boarding_date: datetime.date) -> None:
        when = boards_at.isoformat() if boards_at is not None else f"on {boarding_date.isoformat()}"
        super().__init__(
            f"The train left your boarding station ({when}): the booking can no longer be cancelled."
        )


class SeatCountInvalid(Invalid):
    default_code = "seat_count_invalid"

    def __init__(self) -> None:
        super().__init__(
            f"Book between 1 and {settings.BOOKING_MAX_SEATS} seats at a time.", field="seat_count"
        )


class SegmentInvalid(Invalid):
    """A segment the route cannot serve: a station not on it, the same station twice, or backwards."""

    @classmethod
    def source_not_on_route(cls, source: str) -> "SegmentInvalid":
        return cls(
            f"'{source.strip()}' is not on this train's route.", code="source_not_on_route", field="source"
        )

    @classmethod
    def destination_not_on_route(cls, destination: str) -> "SegmentInvalid":
        return cls(
            f"'{destination.strip()}' is not on this train's route.",
            code="destination_not_on_route",
            field="destination",
        )

    @classmethod
    def same_station(cls) -> "SegmentInvalid":
        return cls("Destination must differ from source.", code="same_station", field="destination")

    @classmethod
    def wrong_order(cls) -> "SegmentInvalid":
        return cls(
            "Destination comes before source on this train's route.", code="wrong_order", field="destination"
        )


class JourneyDateInvalid(Invalid):
    """A journey outside the booking window, or on a day the train does not start."""

    @classmethod
    def past(cls, *, boarding: datetime.date, today: datetime.date) -> "JourneyDateInvalid":
        return cls(
            f"This journey leaves your boarding station on {boarding.isoformat()}, which is past; "
            f"book a journey from today ({today.isoformat()}) on.",
            code="journey_date_past",
            field="journey_date",
        )

    @classmethod
    def departed(cls, *, boards_at: datetime.datetime) -> "JourneyDateInvalid":
        closes = settings.BOOKING_CLOSES_MINUTES_BEFORE_DEPARTURE
        when = f"{closes} minutes before it leaves" if closes else "when it leaves"
        return cls(
            f"This journey leaves your boarding station at {boards_at.isoformat()}; its seats there "
            f"stop being sold {when}.",
            code="train_departed",
            field="journey_date",
        )

    @classmethod
    def beyond_horizon(cls, *, today: datetime.date) -> "JourneyDateInvalid":
        horizon = settings.BOOKING_HORIZON_DAYS
        last = today + datetime.timedelta(days=horizon)
        return cls(
            f"Bookings open {horizon} days ahead: the last journey date you can book now is "
            f"{last.isoformat()}.",
            code="journey_date_beyond_horizon",
            field="journey_date",
        )

    @classmethod
    def not_running(cls, *, train_number: int, journey_date: datetime.date) -> "JourneyDateInvalid":
        return cls(
            f"Train {train_number} does not leave its first station on {journey_date.isoformat()}; "
            "journey_date is the date it starts its journey.",
            code="train_not_running",
            field="journey_date",
        )


class HoldExpired(Conflict):
    """A hold asked to be confirmed or extended after its end: its seats were freed then."""

    default_code = "hold_expired"

    def __init__(self, *, expires_at: datetime.datetime) -> None:
        super().__init__(
            f"This hold expired at {expires_at.isoformat()}; its seats are no longer held. Book again.",
            extra={"expires_at": expires_at.isoformat()},
        )


class HoldLimitReached(Conflict):
    default_code = "hold_limit_reached"

    def __init__(self, *, hold_limit_at: datetime.datetime) -> None:
        super().__init__(
            f"This hold already lasts as long as a hold may, until {hold_limit_at.isoformat()}.",
            extra={"hold_limit_at": hold_limit_at.isoformat()},
        )


class NotHeld(Conflict):
    """Confirming or extending a booking that is not (or no longer) a hold."""

    default_code = "not_held"

    def __init__(self, *, status: str) -> None:
        super().__init__(f"This booking is {status}, not held.", extra={"status": status})


class WaitlistFull(Conflict):
    default_code = "waitlist_full"

    def __init__(self, *, waitlist_max: int, waiting: int) -> None:
        super().__init__(
            f"The waitlist of this class on this journey is full: {waiting} of at most {waitlist_max}"
            " passengers wait.",
            extra={"waitlist_max": waitlist_max, "waiting": waiting},
        )


class JourneyCharted(Conflict):
    """A hold or a new place on the waitlist, asked for once the journey's chart is prepared."""

    default_code = "journey_charted"

    def __init__(self, *, chart_at: datetime.datetime) -> None:
        super().__init__(
            f"The chart of this journey was prepared at {chart_at.isoformat()}: seats are no longer held"
            " or waitlisted, only sold while free.",
            extra={"chart_at": chart_at.isoformat()},
        )
