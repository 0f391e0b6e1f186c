"""HTTP endpoints for booking, availability, booking lists and cancellation."""

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.charts import JourneyChart
from bookings.errors import BookingNotFound
from bookings.idempotency import idempotent
from bookings.models import Booking, Passenger
from bookings.passengers import PASSENGERS_MAX, PassengerRequest
from bookings.pnrs import pnr_normalise
from bookings.seat_maps import SeatMap
from bookings.selectors import TrainAvailability, api_timestamp, booking_row
from bookings.services import (
    booking_by_pnr,
    booking_cancel,
    booking_confirm,
    booking_create,
    booking_extend,
    booking_list_access_check,
    booking_page_now,
    journey_chart_for,
    journey_seat_map_now,
    passengers_cancel,
    trains_between_now,
)
from railway.api import (
    FlatInputSerializer,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
)
from railway.db.statements import Writes
from railway.errors import Forbidden
from railway.openapi import NEXT_PAGE_LINK, ErrorSerializer, bad_request, error_response
from railway.pagination import (
    CursorField,
    PageLimitField,
    QueryIntegerField,
    cursor_encode,
    next_page_link,
    page_split,
)
from railway.throttling import BOOKING_THROTTLES, PNR_THROTTLES
from trains.apis import CodeField
from trains.seat_positions import LAYOUT_POSITIONS, POSITIONS


class FareTotalSerializer(serializers.Serializer):
    total = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="fare_total", help_text='Two decimals, such as "2900.00".'
    )
    currency = serializers.CharField(help_text="FARE_CURRENCY when the booking was made, such as INR.")


class RefundSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="refund_total", help_text='Two decimals, such as "1390.00".'
    )
    currency = serializers.CharField()


def passenger_name_check(value: str) -> str:
    """Return a passenger's name without the spaces at its ends; refuse a blank one."""
    if not value.strip():
        raise serializers.ValidationError("A name is not blank.")
    return value.strip()


class PassengerInputSerializer(serializers.Serializer):
    name = StrictCharField(min_length=1, max_length=100)
    age = StrictIntegerField(min_value=0, max_value=125)
    preference = serializers.ChoiceField(
        choices=POSITIONS, required=False, help_text="A seat position, met where a free seat allows."
    )

    def validate_name(self, value: str) -> str:
        return passenger_name_check(value)


@extend_schema_field(PassengerInputSerializer(many=True))
class PassengersField(serializers.Field):
    """1 to PASSENGERS_MAX passengers, each checked by PassengerInputSerializer."""

    default_error_messages = {
        "not_a_list": "Give a list of passengers.",
        "size": "Name 1 to {most} passengers.",
    }

    def to_internal_value(self, data: Any) -> list[PassengerRequest]:
        if not isinstance(data, list):
            self.fail("not_a_list")
        if not 1 <= len(data) <= PASSENGERS_MAX:
            self.fail("size", most=PASSENGERS_MAX)
        passengers, errors = [], []
        for item in data:
            passenger, item_errors = passenger_validate(item)
            passengers.append(passenger)
            errors.append(item_errors)
        if any(errors):
            # Keyed by the passenger's index, as the API keys the items of every list it refuses.
            raise serializers.ValidationError(
                {str(index): item_errors for index, item_errors in enumerate(errors) if item_errors}
            )
        return passengers


# PassengerInputSerializer's fields, bound once: each passenger is checked field by field, which
# costs a fraction of a serializer made per request.
_PASSENGER_FIELDS = PassengerInputSerializer().fields


def passenger_validate(item: Any) -> tuple[PassengerRequest | None, dict]:
    """Return a passenger as PassengerInputSerializer takes it, or None with the errors by field."""
    if not isinstance(item, dict):
        message = f"Expected an object with name and age, not {type(item).__name__}."
        return None, {"non_field_errors": [serializers.ErrorDetail(message, code="invalid")]}
    values, errors = {}, {}
    for name, field in _PASSENGER_FIELDS.items():
        try:
            value = field.run_validation(item.get(name, serializers.empty))
            if name == "name":
                value = passenger_name_check(value)
        except serializers.SkipField:
            continue
        except serializers.ValidationError as exc:
            errors[name] = exc.detail
            continue
        values[name] = value
    return (None, errors) if errors else (PassengerRequest(**values), {})


class BlankAsNullField(serializers.CharField):
    """A text stored blank for "none", written as null."""

    def to_representation(self, value: str) -> str | None:
        return value or None


class PassengerOutputSerializer(serializers.Serializer):
    passenger_id = serializers.IntegerField(help_text="The passenger's number in the booking, from 1.")
    name = serializers.CharField(allow_null=True, help_text="None for an anonymous passenger.")
    age = serializers.IntegerField(allow_null=True)
    preference = BlankAsNullField(allow_null=True, help_text="The seat position asked for; None if none.")
    coach = serializers.CharField(allow_null=True, help_text="None while waitlisted, as the three below.")
    seat = serializers.IntegerField(allow_null=True, help_text="The seat's number in its coach, from 1.")
    seat_number = serializers.IntegerField(
        allow_null=True, help_text="The seat's number in the train, as in `seat_numbers`."
    )
    position = serializers.ChoiceField(choices=POSITIONS, allow_null=True)
    preference_met = serializers.BooleanField(
        allow_null=True,
        help_text="Whether the seat is in the position asked for; None when none was asked for.",
    )
    status = serializers.ChoiceField(choices=Passenger.Status.choices)
    fare = serializers.DecimalField(
        max_digits=10, decimal_places=2, help_text='What this passenger paid, two decimals ("1450.00").'
    )
    refund = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="What this passenger's cancellation refunded; None while confirmed.",
    )


class BookingOutputSerializer(serializers.Serializer):
    booking_id = serializers.IntegerField(source="id")
    train_number = serializers.IntegerField(source="train.train_number")
    journey_date = serializers.DateField(help_text="The date the train leaves its first station.")
    user_id = serializers.IntegerField()
    source = serializers.CharField(source="source_name")
    destination = serializers.CharField(source="destination_name")
    seat_count = serializers.IntegerField()
    seat_numbers = serializers.ListField(child=serializers.IntegerField())
    status = serializers.ChoiceField(choices=Booking.Status.choices)
    # Always UTC, whatever the service's TIME_ZONE.
    created_at = serializers.DateTimeField(default_timezone=datetime.UTC)
    pnr = serializers.CharField(
        help_text="The booking's code: 10 characters of Crockford base 32, random; `GET /bookings/<pnr>/`."
    )
    travel_class = serializers.CharField()
    fare = FareTotalSerializer(source="*", help_text="What all the passengers paid: the sum of their fares.")
    passengers = PassengerOutputSerializer(many=True, source="passengers.all")
    refunded = RefundSerializer(source="*", help_text="What the cancellations of its passengers refunded.")
    expires_at = serializers.DateTimeField(
        allow_null=True,
        default_timezone=datetime.UTC,
        help_text=(
            "A hold's end: while `held`, when its seats are free again unless confirmed; kept once it is "
            "confirmed or lapsed. None for a booking never held."
        ),
    )
    hold_limit_at = serializers.DateTimeField(
        allow_null=True,
        default_timezone=datetime.UTC,
        help_text="The latest `extend` may move `expires_at` to; None for a booking never held.",
    )
    waitlist_position = serializers.IntegerField(
        allow_null=True,
        default=None,
        help_text="While `waitlisted`: the booking's place among its journey's and class's, from 1.",
    )
    reason = BlankAsNullField(
        allow_null=True,
        source="cancel_reason",
        help_text=(
            "Once `cancelled`, why: `requested` (by the passenger or staff), `hold_expired`, "
            "`not_confirmed_at_chart` or `journey_changed` (the operator's timetable)."
        ),
    )
    payment_reference = BlankAsNullField(
        allow_null=True, help_text="What `confirm` was given for a hold; None otherwise."
    )


class CancellationOutputSerializer(BookingOutputSerializer):
    refund = RefundSerializer(help_text="What this cancellation refunds, by the refund bands.")


def refund_output(amount: Decimal, currency: str) -> dict:
    """Return a refund as the API writes it (RefundSerializer)."""
    return {"amount": f"{amount:.2f}", "currency": currency}


def booking_output(row: dict) -> dict:
    """Return a booking as the API writes it (BookingOutputSerializer), from a row of BOOKING_ROW_FIELDS.

    The one rendering of a booking, for a sale, a cancellation and a page of bookings alike:
    built directly, since a serializer per row costs more than the rest of a page.
    """
    return {
        "booking_id": row["id"],
        "train_number": row["train__train_number"],
        "journey_date": row["journey_date"].isoformat(),
        "user_id": row["user_id"],
        "source": row["source_name"],
        "destination": row["destination_name"],
        "seat_count": row["seat_count"],
        "seat_numbers": row["seat_numbers"],
        "status": row["status"],
        "created_at": api_timestamp(row["created_at"]),
        "pnr": row["pnr"],
        "travel_class": row["travel_class"],
        "fare": {"total": f"{row['fare_total']:.2f}", "currency": row["currency"]},
        "passengers": [passenger_output(passenger) for passenger in row["passengers"]],
        "refunded": refund_output(row["refund_total"], row["currency"]),
        "expires_at": None if row["expires_at"] is None else api_timestamp(row["expires_at"]),
        "hold_limit_at": None if row["hold_limit_at"] is None else api_timestamp(row["hold_limit_at"]),
        "waitlist_position": row["waitlist_position"],
        "reason": row["cancel_reason"] or None,
        "payment_reference": row["payment_reference"] or None,
    }


def passenger_output(passenger: Passenger) -> dict:
    return {
        "passenger_id": passenger.passenger_id,
        "name": passenger.name,
        "age": passenger.age,
        "preference": passenger.preference or None,
        "coach": passenger.coach,
        "seat": passenger.seat,
        "seat_number": passenger.seat_number,
        "position": passenger.position,
        "preference_met": passenger.preference_met,
        "status": passenger.status,
        "fare": f"{passenger.fare:.2f}",
        "refund": None if passenger.refund is None else f"{passenger.refund:.2f}",
    }


def cancellation_output(booking: Booking) -> dict:
    """Return a booking just cancelled, whole or in part, with what this cancellation refunds."""
    return {
        **booking_output(booking_row(booking)),
        "refund": refund_output(booking.refund_now, booking.currency),
    }


class BookingConflictSerializer(ErrorSerializer):
    """A refused booking, with the figures behind `insufficient_seats` or `seat_cap_reached`."""

    available_seats = serializers.IntegerField(
        required=False, help_text="With `insufficient_seats`: the seats free on the whole segment now."
    )
    seat_cap = serializers.IntegerField(
        required=False, help_text="With `seat_cap_reached`: the most seats one user may hold on a journey."
    )
    seats_held = serializers.IntegerField(
        required=False, help_text="With `seat_cap_reached`: the seats the caller's live bookings hold."
    )
    waitlist_max = serializers.IntegerField(
        required=False, help_text="With `waitlist_full`: the most passengers that may wait in the class."
    )
    waiting = serializers.IntegerField(
        required=False, help_text="With `waitlist_full`: the passengers waiting in the class now."
    )
    chart_at = serializers.DateTimeField(
        required=False, help_text="With `journey_charted`: when the journey was charted."
    )


# The dates the search answers for: far wider than any timetable, narrow enough that a
# journey's start and its times stay within what Python and PostgreSQL can represent.
SEARCH_DATES = (datetime.date(2000, 1, 1), datetime.date(2999, 12, 31))


def search_date_validate(value: datetime.date) -> datetime.date:
    """Return a date the search and the seat map take, or raise a ValidationError saying which they take."""
    first, last = SEARCH_DATES
    if not first <= value <= last:
        raise serializers.ValidationError(f"Ask for a date from {first.isoformat()} to {last.isoformat()}.")
    return value


class StationParameter(StrictCharField):
    """A station: its code (ignoring case), or else its name (ignoring case, accents and dashes)."""

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("help_text", "A station's code (ignoring case), or else its name.")
        super().__init__(max_length=100, **kwargs)


class BookSeatApi(APIView):
    """Book seats on a train's journey, for the whole route or a segment of it.

    `journey_date` is the date the train leaves its first station (default: today); seats are
    sold per journey, so the same seat may be sold on every date the train runs. `source` and
    `destination` default to the ends of the route. The seats of one booking are
    adjacent whenever the train has such a run free. With an `Idempotency-Key`, a retry with
    the same key and body gets the first answer again and books nothing more. Bookings are
    limited per user. With `hold`, the seats are held until `expires_at` for `confirm`; with
    `waitlist`, a party the class cannot seat waits (`waitlisted`) and is served in order as
    seats are freed.
    """

    throttle_classes = BOOKING_THROTTLES

    class InputSerializer(FlatInputSerializer):
        train_number = StrictIntegerField(min_value=1, max_value=2_147_483_647)
        # Any integer but the token user's id is a 403, not a 400 (the contract): no range here.
        user_id = StrictIntegerField(required=False)
        seat_count = StrictIntegerField(
            min_value=1,
            max_value=settings.BOOKING_MAX_SEATS,
            required=False,
            help_text="How many seats; required without `passengers`, and equal to their number with them.",
        )
        travel_class = CodeField(
            required=False,
            help_text=(
                "The class to travel in, such as 3A (ignoring case); required on a train of several "
                "classes (`travel_class_required`, listing them)."
            ),
        )
        passengers = PassengersField(
            required=False,
            help_text=(
                "The travellers, 1 to 6: `name` (1-100 characters), `age` (0-125), optional `preference` "
                "(a seat position). Without them, `seat_count` anonymous passengers."
            ),
        )
        journey_date = StrictDateField(
            required=False,
            help_text=(
                "The date the train leaves its first station (ISO 8601, YYYY-MM-DD), a date there; "
                "by default today at that station, in its time zone."
            ),
        )
        source = StationParameter(required=False)
        destination = StationParameter(required=False)
        hold = StrictBooleanField(
            required=False,
            help_text=(
                "Hold the seats for `HOLD_TTL_SECONDS` (status `held`, `expires_at`) until "
                "`POST /bookings/<pnr>/confirm/`; they are free again at `expires_at` otherwise."
            ),
        )
        waitlist = StrictBooleanField(
            required=False,
            help_text=(
                "When the seats are not free, wait for them (status `waitlisted`, `waitlist_position`) "
                "instead of a 409; confirmed (or held, with `hold`) as soon as cancellations free them."
            ),
        )

        def validate(self, attrs: dict) -> dict:
            if "seat_count" not in attrs and "passengers" not in attrs:
                required = serializers.ErrorDetail("This field is required.", code="required")
                raise serializers.ValidationError({"seat_count": [required]})
            return attrs

    @extend_schema(
        request=InputSerializer,
        examples=[
            OpenApiExample(
                "Two named passengers in 3A from Surat to Kota",
                value={
                    "train_number": 12951,
                    "travel_class": "3A",
                    "passengers": [
                        {"name": "Asha Rao", "age": 34, "preference": "lower"},
                        {"name": "Ravi Rao", "age": 36},
                    ],
                    "source": "Surat",
                    "destination": "Kota",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Two seats on a train of one class",
                value={"train_number": 12009, "seat_count": 2, "source": "Surat", "destination": "Vadodara"},
                request_only=True,
            ),
        ],
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                location=OpenApiParameter.HEADER,
                type={"type": "string", "minLength": 1, "maxLength": 255},
                description=(
                    "Any string of 1 to 255 characters, without control characters, that makes retries "
                    "of this booking safe."
                ),
            ),
            OpenApiParameter(
                "Idempotent-Replayed",
                location=OpenApiParameter.HEADER,
                response=[201, 400, 403, 404, 409],
                description="`true` when this is the stored answer to an earlier request with the same key.",
            ),
        ],
        responses={
            201: BookingOutputSerializer,
            400: bad_request(
                "A field or the `Idempotency-Key` is invalid (a passenger's `name`, `age` or `preference`, "
                "1 to 6 `passengers`), neither `seat_count` nor `passengers` is given (`required`), "
                "`seat_count` is not the passengers' number (`seat_count_mismatch`), the train has several "
                "classes and none is named (`travel_class_required`) or not the one named "
                "(`unknown_travel_class`; both list the train's `classes`), `seat_count` is outside 1..10, "
                "a station is not on the route or comes in the wrong order, a name is two stations' of the "
                "route (`ambiguous_station`, listing their `codes`), or `journey_date` is outside the "
                "booking window: the journey leaves the boarding station before today, has left it already "
                "(`train_departed`), starts more than `BOOKING_HORIZON_DAYS` days ahead, or the train "
                "does not start its journey that day."
            ),
            403: error_response("`permission_denied`: `user_id` is not the caller's."),
            404: error_response("`train_not_found`: no train with this number."),
            409: error_response(
                "`insufficient_seats`: not enough seats of the class are free on the segment (see "
                "`available_seats`, the class's); "
                "`seat_cap_reached`: the caller would hold more confirmed seats on the journey than one "
                "user may (held, confirmed and waiting seats alike; see `seat_cap` and `seats_held`; "
                "cancelling frees them); "
                "`seats_taken`: the chosen seats were sold meanwhile, retry; "
                "`waitlist_full`: with `waitlist`, as many passengers wait in the class as may (see "
                "`waitlist_max` and `waiting`); `journey_charted`: the journey's chart is prepared (see "
                "`chart_at`), so no hold and no place on the waitlist is granted.",
                BookingConflictSerializer,
            ),
            422: error_response("`idempotency_key_reused`: this key came before with a different body."),
        },
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, lambda writes: self.book(request, writes), on_error=self.handle_exception)

    def book(self, request: Request, writes: Writes | None) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        if params.pop("user_id", request.user.pk) != request.user.pk:
            raise Forbidden("You may only book for yourself.")
        booking = booking_create(user=request.user, **params, writes=writes)
        return Response(
            booking_output(booking_row(booking, booking.passengers_sold)), status=status.HTTP_201_CREATED
        )


class ClassAvailabilitySerializer(serializers.Serializer):
    travel_class = serializers.CharField()
    available_seats = serializers.IntegerField(
        help_text="The seats of this class's coaches free on every leg from `source` to `destination`."
    )
    fare = serializers.CharField(
        help_text=(
            "What one passenger pays for this class from `source` to `destination`, with two "
            'decimals ("1450.00"): the class\'s minimum, or its rate per km times the distance '
            "between the two stops if more; the minimum when a stop's distance is unknown; "
            '"0.00" for a class without a fare.'
        )
    )


class SeatAvailabilityApi(APIView):
    """List the trains calling at one station and later at another on a date, by departure.

    `journey_date` is the date you leave `source`, so a train that left its first station the
    evening before is found on the date it calls there; each row's own `journey_date` is the
    date the train starts, the one to book it with. Rows come by `departure` from `source`, then
    by train number. `available_seats` counts the seats of that journey free on every leg from
    `source` to `destination`, so it is exactly what a booking of that segment could get; trains
    with none free are listed too.
    """

    class InputSerializer(FlatInputSerializer):
        source = StationParameter()
        destination = StationParameter()
        journey_date = StrictDateField(
            required=False,
            help_text=(
                "The date at `source` you leave it (YYYY-MM-DD, from "
                f"{SEARCH_DATES[0].isoformat()} to {SEARCH_DATES[1].isoformat()}); "
                "by default today there, in the station's time zone."
            ),
        )
        limit = PageLimitField(default=200, max_value=200)
        after = QueryIntegerField(
            min_value=0,
            max_value=2_147_483_647,
            default=0,
            help_text=(
                "Continue after this train in this answer's order: the `train_number` of the last row "
                "of the previous page, as the Link header gives it. A train that is not in the answer "
                "is a 400."
            ),
        )

        travel_class = CodeField(
            required=False,
            help_text=(
                "Only the trains having this class (1 to 8 letters or digits, ignoring case), each row "
                "with this class alone in `classes`; otherwise `invalid_code`."
            ),
        )

        def validate_journey_date(self, value: datetime.date) -> datetime.date:
            return search_date_validate(value)

    class OutputSerializer(serializers.Serializer):
        train_number = serializers.IntegerField()
        name = serializers.CharField(allow_blank=True)
        source = serializers.CharField(help_text="The first station of the train's route.")
        destination = serializers.CharField(help_text="The last station of the train's route.")
        total_seats = serializers.IntegerField()
        available_seats = serializers.IntegerField(
            help_text="The seats free on every leg from `source` to `destination`, all classes together."
        )
        journey_date = serializers.DateField(
            help_text="The date the train leaves its first station: the `journey_date` to book it with."
        )
        departure = serializers.DateTimeField(
            help_text=(
                "When the train leaves the station asked for as `source` (its departure time there, else "
                "its arrival time), with that station's UTC offset (2013-12-13T06:53:00+01:00; Z for 0); "
                "the train's start where it has neither."
            )
        )
        arrival = serializers.DateTimeField(
            help_text=(
                "When the train reaches the station asked for as `destination` (its arrival time there, "
                "else its departure time), with that station's UTC offset; the train's start where it "
                "has neither."
            )
        )
        classes = ClassAvailabilitySerializer(
            many=True,
            help_text=(
                "The train's classes in its coaches' order, with their seats free and fares for the "
                "segment; only `travel_class` when the search names one."
            ),
        )

    @extend_schema(
        parameters=[InputSerializer, NEXT_PAGE_LINK],
        responses={
            200: OutputSerializer(many=True),
            400: bad_request(
                "`source` or `destination` is missing or blank or a name several stations have "
                "(`ambiguous_station`, listing their `codes`), `journey_date` is not a date written "
                "YYYY-MM-DD or is out of range, `limit` or `after` is invalid, `after` is not a train "
                "of this answer, or `travel_class` is not 1 to 8 letters or digits (`invalid_code`)."
            ),
        },
    )
    def get(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        limit = params["limit"]
        trains = trains_between_now(
            source=params["source"],
            destination=params["destination"],
            journey_date=params.get("journey_date"),
            after_train_number=params["after"],
            limit=limit + 1,
            travel_class=params.get("travel_class"),
        )
        trains, more = page_split(trains, limit=limit)
        # The rows as they are: OutputSerializer describes them (a test holds the two equal),
        # and copying its fields on every request cost a fifth of the request.
        response = Response([availability_output(train) for train in trains])
        if more:
            # The date too: a walk that crosses midnight goes on with the day it started on. Without
            # one asked for, it is the date at the source of every row's departure from there.
            journey_date = params.get("journey_date") or trains[-1].departure.date()
            response["Link"] = next_page_link(
                request, after=trains[-1].train_number, journey_date=journey_date.isoformat()
            )
        return response


def availability_output(train: TrainAvailability) -> dict:
    """Return a search row as the API writes it (SeatAvailabilityApi.OutputSerializer): fares as strings."""
    row = dataclasses.asdict(train)
    del row["train_id"], row["holds_ended"]
    for seat_class in row["classes"]:
        seat_class["fare"] = str(seat_class["fare"])
    return row


class BookingDetailsApi(APIView):
    """List a user's bookings, newest first, cancelled ones included.

    Passengers read their own; staff may read anyone's.
    """

    class InputSerializer(FlatInputSerializer):
        # A screen's worth by default; clients follow the Link header for more.
        limit = PageLimitField(default=20, max_value=500)
        before = CursorField(required=False)

    @extend_schema(
        parameters=[InputSerializer, NEXT_PAGE_LINK],
        responses={
            200: BookingOutputSerializer(many=True),
            400: bad_request("`limit` or `before` is invalid."),
            403: error_response("`permission_denied`: another user's id, and the caller is not staff."),
            404: error_response("`not_found`: no user with this id (staff), or the id is not a number."),
        },
    )
    def get(self, request: Request, id: int) -> Response:
        booking_list_access_check(actor=request.user, user_id=id)
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        page = booking_page_now(user_id=id, **data.validated_data)
        response = Response([booking_output(row) for row in page.rows])
        if page.next_before is not None:
            cursor = cursor_encode(created_at=page.next_before[0], row_id=page.next_before[1])
            response["Link"] = next_page_link(request, before=cursor)
        return response


class CancelBookingApi(APIView):
    """Cancel a booking: its seats are free again at once, until the train leaves the boarding station.

    Staff who may change bookings may cancel anyone's.
    """

    @extend_schema(
        request=None,
        responses={
            200: BookingOutputSerializer,
            400: error_response("`train_departed`: the train has left the booking's boarding station."),
            403: error_response("`not_booking_owner`: the booking is another user's."),
            404: error_response("`booking_not_found`: no booking with this id, or the id is not a number."),
            409: error_response("`already_cancelled`: the booking is already cancelled."),
        },
    )
    def post(self, request: Request, booking_id: int) -> Response:
        booking = booking_cancel(booking_id=booking_id, actor=request.user)
        return Response(cancellation_output(booking))


def pnr_of_path(text: str) -> str:
    """Return the PNR a path names, read as Crockford's base 32 reads; none is a booking not found."""
    pnr = pnr_normalise(text)
    if pnr is None:
        raise BookingNotFound.of_pnr()
    return pnr


PNR_PARAMETER = OpenApiParameter(
    "pnr",
    location=OpenApiParameter.PATH,
    type={"type": "string", "minLength": 10, "maxLength": 10},
    description="The booking's PNR (ignoring case; I and L read as 1, O as 0).",
)


class BookingApi(APIView):
    """Read a booking by its PNR: its passengers, their seats, fares and refunds.

    For the booking's owner, and for staff who may view bookings; anyone else gets 404, as for a
    PNR that is no booking's, so that a PNR's existence is not revealed. Throttled per user.
    """

    throttle_classes = PNR_THROTTLES

    @extend_schema(
        parameters=[PNR_PARAMETER],
        responses={
            200: BookingOutputSerializer,
            404: error_response("`booking_not_found`: no booking of yours has this PNR."),
        },
    )
    def get(self, request: Request, pnr: str) -> Response:
        booking = booking_by_pnr(pnr=pnr_of_path(pnr), actor=request.user)
        return Response(booking_output(booking_row(booking)))


class CancelPassengersApi(APIView):
    """Cancel passengers of a booking by its PNR; their seats are free again at once, on its segment only.

    Without `passenger_ids`, every passenger still holding a seat. Each cancelled passenger is
    refunded by how long before the train leaves the boarding station they cancel (the refund
    bands, REFUND_BANDS); the booking stays `confirmed` while one passenger is. Staff who may
    change bookings may cancel anyone's.
    """

    throttle_classes = PNR_THROTTLES

    class InputSerializer(serializers.Serializer):
        passenger_ids = serializers.ListField(
            child=StrictIntegerField(min_value=1, max_value=32_767),
            min_length=1,
            max_length=settings.BOOKING_MAX_SEATS,
            required=False,
            help_text="The passengers to cancel, by `passenger_id`; by default all still confirmed.",
        )

    @extend_schema(
        parameters=[PNR_PARAMETER],
        request=InputSerializer,
        responses={
            200: CancellationOutputSerializer,
            400: bad_request(
                "`passenger_ids` is not a list of 1 to 10 ids, names passengers the booking does not have "
                "(`unknown_passenger`, listing them), or the train has left the booking's boarding "
                "station (`train_departed`)."
            ),
            403: error_response("`not_booking_owner`: staff who may view but not change bookings."),
            404: error_response("`booking_not_found`: no booking of yours has this PNR."),
            409: error_response(
                "`already_cancelled`: the booking, or a passenger named (listed in `passenger_ids`), is "
                "already cancelled; nobody is cancelled."
            ),
        },
    )
    def post(self, request: Request, pnr: str) -> Response:
        pnr = pnr_of_path(pnr)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = passengers_cancel(
            pnr=pnr, actor=request.user, passenger_ids=data.validated_data.get("passenger_ids")
        )
        return Response(cancellation_output(booking))


class ConfirmHoldApi(APIView):
    """Confirm a hold before its `expires_at`, with its payment's reference: the booking is `confirmed`.

    Confirming a booking confirmed already answers it unchanged. Once `expires_at` has come, the
    seats are no longer the hold's (they may have been sold since): 409 `hold_expired`, and
    nothing changes. Staff who may change bookings may confirm anyone's.
    """

    throttle_classes = PNR_THROTTLES

    class InputSerializer(FlatInputSerializer):
        payment_reference = StrictCharField(
            required=False,
            min_length=1,
            max_length=100,
            help_text="The payment's reference, as the payment provider gave it (1-100 characters).",
        )

    @extend_schema(
        parameters=[PNR_PARAMETER],
        request=InputSerializer,
        responses={
            200: BookingOutputSerializer,
            400: bad_request("`payment_reference` is not 1 to 100 characters."),
            403: error_response("`not_booking_owner`: staff who may view but not change bookings."),
            404: error_response("`booking_not_found`: no booking of yours has this PNR."),
            409: error_response(
                "`hold_expired`: the hold ended at `expires_at`; `already_cancelled`: the booking was "
                "cancelled; `not_held`: the booking is waitlisted, not held."
            ),
        },
    )
    def post(self, request: Request, pnr: str) -> Response:
        pnr = pnr_of_path(pnr)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = booking_confirm(pnr=pnr, actor=request.user, **data.validated_data)
        return Response(booking_output(booking_row(booking)))


class ExtendHoldApi(APIView):
    """Move a hold's `expires_at` on by `HOLD_TTL_SECONDS`, never past `hold_limit_at`
    (`HOLD_MAX_SECONDS` from the hold's start)."""

    throttle_classes = PNR_THROTTLES

    @extend_schema(
        parameters=[PNR_PARAMETER],
        request=None,
        responses={
            200: BookingOutputSerializer,
            403: error_response("`not_booking_owner`: staff who may view but not change bookings."),
            404: error_response("`booking_not_found`: no booking of yours has this PNR."),
            409: error_response(
                "`hold_limit_reached`: `expires_at` is `hold_limit_at` already; `hold_expired`: the hold "
                "ended; `not_held`: the booking is confirmed or waitlisted; `already_cancelled`."
            ),
        },
    )
    def post(self, request: Request, pnr: str) -> Response:
        booking = booking_extend(pnr=pnr_of_path(pnr), actor=request.user)
        return Response(booking_output(booking_row(booking)))


class SeatOnMapSerializer(serializers.Serializer):
    seat = serializers.IntegerField(help_text="The seat's number in its coach, from 1.")
    seat_number = serializers.IntegerField(help_text="The seat's number in the train, as bookings give it.")
    position = serializers.ChoiceField(choices=POSITIONS)
    free = serializers.BooleanField(help_text="Whether the seat is free on every leg of the segment.")


class CoachOnMapSerializer(serializers.Serializer):
    coach = serializers.CharField()
    travel_class = serializers.CharField()
    layout = serializers.ChoiceField(choices=list(LAYOUT_POSITIONS))
    seats = SeatOnMapSerializer(many=True)


class SeatMapApi(APIView):
    """Show a journey's seats coach by coach, each with its position and whether it is free on a segment.

    The journey is the train's on `journey_date`, the date it leaves its first station. A seat is
    `free` when it is free on every leg from `source` to `destination` (default: the ends of the
    route), so that a booking of that segment could get it. Coaches come in the train's order.
    """

    class QuerySerializer(FlatInputSerializer):
        source = StationParameter(required=False)
        destination = StationParameter(required=False)
        travel_class = StrictCharField(
            required=False,
            max_length=8,
            help_text="Only the coaches of this class, such as 3A (ignoring case).",
        )

    class InputSerializer(QuerySerializer):
        # From the path: a string, checked as the search checks its date.
        journey_date = StrictDateField()

        def validate_journey_date(self, value: datetime.date) -> datetime.date:
            return search_date_validate(value)

    class OutputSerializer(serializers.Serializer):
        train_number = serializers.IntegerField()
        journey_date = serializers.DateField(help_text="The date the train leaves its first station.")
        source = serializers.CharField(help_text="The name of the segment's first station.")
        destination = serializers.CharField(help_text="The name of the segment's last station.")
        coaches = CoachOnMapSerializer(many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "journey_date",
                location=OpenApiParameter.PATH,
                type={"type": "string", "format": "date"},
                description=(
                    "The date the train leaves its first station (YYYY-MM-DD, from "
                    f"{SEARCH_DATES[0].isoformat()} to {SEARCH_DATES[1].isoformat()})."
                ),
            ),
            QuerySerializer,
        ],
        responses={
            200: OutputSerializer,
            400: bad_request(
                "`journey_date` is not a date written YYYY-MM-DD or is out of range, the train does not "
                "start its journey that day (`train_not_running`), a station is not on the route or "
                "comes in the wrong order, a name is two stations' of the route (`ambiguous_station`, "
                "listing their `codes`), or no coach is of `travel_class` (`unknown_travel_class`, "
                "listing the train's `classes`)."
            ),
            404: error_response("`train_not_found`: no train with this number."),
        },
    )
    def get(self, request: Request, train_number: int, journey_date: str) -> Response:
        data = self.InputSerializer(data={**request.query_params.dict(), "journey_date": journey_date})
        data.is_valid(raise_exception=True)
        seat_map = journey_seat_map_now(train_number=train_number, **data.validated_data)
        return Response(seat_map_output(seat_map))


def seat_map_output(seat_map: SeatMap) -> dict:
    """Return a seat map as the API writes it (SeatMapApi.OutputSerializer).

    Built directly: the seats are plain dicts already, and a serializer per seat would cost
    more than reading them.
    """
    return {
        "train_number": seat_map.train_number,
        "journey_date": seat_map.journey_date.isoformat(),
        "source": seat_map.source,
        "destination": seat_map.destination,
        "coaches": [
            {
                "coach": coach.coach,
                "travel_class": coach.travel_class,
                "layout": coach.layout,
                "seats": coach.seats,
            }
            for coach in seat_map.coaches
        ],
    }


class ChartLegSerializer(serializers.Serializer):
    from_ = serializers.CharField(help_text="The station the passenger boards at.")
    to = serializers.CharField(help_text="The station the passenger leaves the train at.")
    pnr = serializers.CharField()
    passenger_id = serializers.IntegerField()
    name = serializers.CharField(allow_null=True)
    age = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=["held", "confirmed"])

    def get_fields(self) -> dict:
        # "from" is a keyword in Python: declared as from_, named as the answer names it.
        fields = super().get_fields()
        return {("from" if name == "from_" else name): field for name, field in fields.items()}


class ChartSeatSerializer(serializers.Serializer):
    seat = serializers.IntegerField()
    seat_number = serializers.IntegerField()
    position = serializers.ChoiceField(choices=POSITIONS)
    legs = ChartLegSerializer(many=True, help_text="The seat's passengers, by the legs they ride, in order.")


class ChartCoachSerializer(serializers.Serializer):
    coach = serializers.CharField()
    travel_class = serializers.CharField()
    layout = serializers.ChoiceField(choices=list(LAYOUT_POSITIONS))
    seats = ChartSeatSerializer(many=True)


class ChartWaitingSerializer(serializers.Serializer):
    pnr = serializers.CharField()
    travel_class = serializers.CharField()
    waitlist_position = serializers.IntegerField()
    passengers = serializers.IntegerField(help_text="How many passengers of the booking wait.")


class ChartApi(APIView):
    """A journey's chart, for staff who may view bookings: every seat's passengers by leg, and the waitlist.

    The journey is charted `CHART_MINUTES_BEFORE_DEPARTURE` before the train leaves its first
    station: the bookings still waiting are cancelled then (`not_confirmed_at_chart`, refunded
    whole), at the first access after that time or by `manage.py prepare_charts`. Before it,
    this is the chart as it stands.
    """

    class OutputSerializer(serializers.Serializer):
        train_number = serializers.IntegerField()
        journey_date = serializers.DateField()
        chart_at = serializers.DateTimeField(help_text="When the journey is charted.")
        charted_at = serializers.DateTimeField(allow_null=True, help_text="When it was; None before.")
        coaches = ChartCoachSerializer(many=True)
        waitlist = ChartWaitingSerializer(many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "journey_date",
                location=OpenApiParameter.PATH,
                type={"type": "string", "format": "date"},
                description="The date the train leaves its first station (YYYY-MM-DD).",
            )
        ],
        responses={
            200: OutputSerializer,
            400: bad_request(
                "`journey_date` is not a date written YYYY-MM-DD or is out of range, or the train does not "
                "start its journey that day (`train_not_running`)."
            ),
            403: error_response("`permission_denied`: the caller may not view bookings."),
            404: error_response("`train_not_found`: no train with this number."),
        },
    )
    def get(self, request: Request, train_number: int, journey_date: str) -> Response:
        data = SeatMapApi.InputSerializer(data={"journey_date": journey_date})
        data.is_valid(raise_exception=True)
        chart = journey_chart_for(
            actor=request.user, train_number=train_number, journey_date=data.validated_data["journey_date"]
        )
        return Response(chart_output(chart))


def chart_output(chart: JourneyChart) -> dict:
    """Return a chart as the API writes it (ChartApi.OutputSerializer)."""
    row = dataclasses.asdict(chart)
    row["journey_date"] = chart.journey_date.isoformat()
    row["chart_at"] = api_timestamp(chart.chart_at)
    row["charted_at"] = None if chart.charted_at is None else api_timestamp(chart.charted_at)
    return row
