"""HTTP endpoints for booking, availability, booking lists and cancellation."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpResponse
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.idempotency import (
    IdempotencyKeyReused,
    idempotency_key,
    idempotency_store_refusal,
    idempotent,
    request_fingerprint,
)
from bookings.models import Booking
from bookings.selectors import booking_page_json, booking_with_stations, bookings_of_user, trains_between
from bookings.services import (
    booking_cancel,
    booking_create,
    booking_sell_in_database,
    sale_in_database_available,
)
from railway.api import Forbidden, NotFound, StrictCharField, StrictIntegerField
from railway.pagination import (
    CursorField,
    PageLimitField,
    QueryIntegerField,
    cursor_encode,
    next_page_link,
    page_split,
)


def api_timestamp(moment: datetime.datetime) -> str:
    """Return `moment` as the API writes timestamps: ISO 8601 in UTC, "Z" for the offset.

    What serializers.DateTimeField(default_timezone=UTC) renders, without its per-value
    time-zone lookups, which cost more than the rest of a row on a page of bookings.
    """
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


class BookingOutputSerializer(serializers.Serializer):
    booking_id = serializers.IntegerField(source="id")
    train_number = serializers.IntegerField(source="train.train_number")
    user_id = serializers.IntegerField()
    source = serializers.CharField(source="source_name")
    destination = serializers.CharField(source="destination_name")
    seat_count = serializers.IntegerField()
    seat_numbers = serializers.ListField(child=serializers.IntegerField())
    status = serializers.CharField()
    # Always UTC, as bookings_sell_seats() writes it, whatever the service's TIME_ZONE.
    created_at = serializers.DateTimeField(default_timezone=datetime.UTC)

    @classmethod
    def of(cls, booking: Booking) -> dict:
        return cls(booking_with_stations(booking_id=booking.pk)).data


class StationParameter(StrictCharField):
    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(max_length=100, **kwargs)


class BookSeatApi(APIView):
    class InputSerializer(serializers.Serializer):
        train_number = StrictIntegerField(min_value=1, max_value=2_147_483_647)
        # Any integer but the token user's id is a 403, not a 400 (the contract): no range here.
        user_id = StrictIntegerField(required=False)
        seat_count = StrictIntegerField(min_value=1, max_value=settings.BOOKING_MAX_SEATS)
        source = StationParameter(required=False)
        destination = StationParameter(required=False)

    def post(self, request: Request) -> Response:
        if sale_in_database_available():
            return self.sell_in_database(request)
        return idempotent(request, lambda: self.book(request), on_error=self.handle_exception)

    def booking_params(self, request: Request) -> dict:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        if params.pop("user_id", request.user.pk) != request.user.pk:
            raise Forbidden("You may only book for yourself.")
        return params

    def book(self, request: Request) -> Response:
        booking = booking_create(user=request.user, **self.booking_params(request))
        return Response(BookingOutputSerializer.of(booking), status=status.HTTP_201_CREATED)

    def sell_in_database(self, request: Request) -> Response:
        key = idempotency_key(request)
        fingerprint = request_fingerprint(request) if key is not None else None
        try:
            sale = booking_sell_in_database(
                user=request.user,
                idempotency_key=key,
                fingerprint=fingerprint,
                **self.booking_params(request),
            )
        except IdempotencyKeyReused:
            raise
        except APIException as exc:
            refusal = self.handle_exception(exc)
            if key is None:
                return refusal
            return idempotency_store_refusal(
                request=request, key=key, fingerprint=fingerprint, response=refusal
            )
        response = Response(sale.body, status=sale.status)
        if sale.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class SeatAvailabilityApi(APIView):
    class InputSerializer(serializers.Serializer):
        source = StationParameter()
        destination = StationParameter()
        limit = PageLimitField(default=200, max_value=200)
        after = QueryIntegerField(min_value=0, max_value=2_147_483_647, default=0)

    class OutputSerializer(serializers.Serializer):
        train_number = serializers.IntegerField()
        name = serializers.CharField()
        source = serializers.CharField()
        destination = serializers.CharField()
        total_seats = serializers.IntegerField()
        available_seats = serializers.IntegerField()

    def get(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        limit = params["limit"]
        trains = trains_between(
            source=params["source"],
            destination=params["destination"],
            after_train_number=params["after"],
            limit=limit + 1,
        )
        trains, more = page_split(trains, limit=limit)
        response = Response(self.OutputSerializer(trains, many=True).data)
        if more:
            response["Link"] = next_page_link(request, after=trains[-1].train_number)
        return response


class BookingDetailsApi(APIView):
    ROW_FIELDS = (
        "id",
        "train__train_number",
        "user_id",
        "source_name",
        "destination_name",
        "seat_count",
        "seat_numbers",
        "status",
        "created_at",
    )

    class InputSerializer(serializers.Serializer):
        limit = PageLimitField(default=100, max_value=500)
        before = CursorField(required=False)

    def get(self, request: Request, id: int) -> HttpResponse:
        if id != request.user.pk:
            if not request.user.is_staff:
                raise Forbidden("You may only read your own bookings.")
            if not get_user_model().objects.filter(pk=id).exists():
                raise NotFound("No user with this id.")
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        limit = data.validated_data["limit"]
        before = data.validated_data.get("before")
        if connection.vendor == "postgresql":
            # The page arrives as JSON text, rendered by the database: see booking_page_json.
            page = booking_page_json(user_id=id, limit=limit, before=before)
            response = HttpResponse(page.json, content_type="application/json")
            if page.next_before is not None:
                cursor = cursor_encode(created_at=page.next_before[0], row_id=page.next_before[1])
                response["Link"] = next_page_link(request, before=cursor)
            return response
        bookings = bookings_of_user(user_id=id, before=before)
        # Plain rows, not model instances through the serializer: a page of 500 stays cheap.
        # The fields and their formats are BookingOutputSerializer's (a test holds them equal).
        rows, more = page_split(list(bookings.values(*self.ROW_FIELDS)[: limit + 1]), limit=limit)
        response = Response([self.row_output(row) for row in rows])
        if more:
            cursor = cursor_encode(created_at=rows[-1]["created_at"], row_id=rows[-1]["id"])
            response["Link"] = next_page_link(request, before=cursor)
        return response

    @classmethod
    def row_output(cls, row: dict) -> dict:
        return {
            "booking_id": row["id"],
            "train_number": row["train__train_number"],
            "user_id": row["user_id"],
            "source": row["source_name"],
            "destination": row["destination_name"],
            "seat_count": row["seat_count"],
            "seat_numbers": row["seat_numbers"],
            "status": row["status"],
            "created_at": api_timestamp(row["created_at"]),
        }


class CancelBookingApi(APIView):
    def post(self, request: Request, booking_id: int) -> Response:
        booking = booking_cancel(booking_id=booking_id, actor=request.user)
        return Response(BookingOutputSerializer.of(booking))
