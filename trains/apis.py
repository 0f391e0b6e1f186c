"""HTTP endpoints for adding trains (superusers only) and finding stations."""

import base64
import binascii
import dataclasses
import json
import re
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from railway.api import FlatInputSerializer, StrictCharField, StrictIntegerField
from railway.openapi import NEXT_PAGE_LINK, bad_request, error_response
from railway.pagination import PageLimitField, next_page_link
from railway.throttling import STATION_SEARCH_THROTTLES
from trains.coach_plans import CoachPlan
from trains.fares import FarePlan
from trains.models import CODE_MAX_LENGTH, Coach, Train, is_code, station_words
from trains.seat_positions import DEFAULT_LAYOUT, LAYOUT_POSITIONS
from trains.selectors import stations_find, train_coaches, train_fares, train_route
from trains.services import train_create
from trains.time_zones import TIME_ZONE_MAX_LENGTH


class IsSuperuser(permissions.BasePermission):
    message = "Only superusers may add trains."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_superuser)


class StationNameField(StrictCharField):
    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(max_length=100, **kwargs)


# Money as the API writes it: digits, a point, two decimals.
_MONEY = re.compile(r"[0-9]{1,8}\.[0-9]{2}")


class CodeField(StrictCharField):
    """A coach's or class's code: 1-8 letters or digits, stored in upper case."""

    default_error_messages = {"invalid_code": "Use 1 to {max_length} letters or digits."}

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        if not is_code(text):
            self.fail("invalid_code", max_length=CODE_MAX_LENGTH)
        return text.upper()


@extend_schema_field({"type": "string", "enum": list(LAYOUT_POSITIONS)})
class LayoutField(serializers.Field):
    default_error_messages = {"unknown_layout": "Layout must be one of: {layouts}."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or data not in LAYOUT_POSITIONS:
            self.fail("unknown_layout", layouts=", ".join(LAYOUT_POSITIONS))
        return data

    def to_representation(self, value: str) -> str:
        return value


@extend_schema_field({"type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$", "example": "150.00"})
class MoneyField(serializers.Field):
    """An amount as a JSON string with two decimals, such as "150.00"."""

    default_error_messages = {
        "invalid_money": 'Write amounts as strings with two decimals, such as "150.00".'
    }

    def __init__(self, *, max_digits: int, **kwargs: Any) -> None:
        self.max_digits = max_digits
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not _MONEY.fullmatch(data) or len(data) - 1 > self.max_digits:
            self.fail("invalid_money")
        return Decimal(data)

    def to_representation(self, value: Decimal) -> str:
        return f"{value:.2f}"


class CoachSerializer(serializers.Serializer):
    coach = CodeField(help_text="1-8 letters or digits, unique in the train, such as B1.")
    travel_class = CodeField(help_text="1-8 letters or digits, such as 3A, SL or FIRST.")
    seats = StrictIntegerField(min_value=1, max_value=Coach.MAX_SEATS)
    layout = LayoutField(required=False, default=DEFAULT_LAYOUT, help_text=", ".join(LAYOUT_POSITIONS))


class FareSerializer(serializers.Serializer):
    travel_class = CodeField()
    per_km = MoneyField(max_digits=8, help_text='The fare of a kilometre, such as "1.45".')
    minimum = MoneyField(max_digits=10, help_text='The least a passenger pays, such as "150.00".')


class StopSerializer(serializers.Serializer):
    station = StationNameField()
    distance_km = serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        help_text="Kilometres from the train's first station.",
    )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": 100},
            {
                "type": "object",
                "properties": {
                    "station": {"type": "string", "maxLength": 100},
                    "distance_km": {
                        "type": "number",
                        "minimum": 0,
                        "nullable": True,
                        "description": "Kilometres from the train's first station, to one decimal.",
                    },
                },
                "required": ["station"],
            },
        ]
    }
)
class StopField(serializers.Field):
    """A stop: a station's name, or an object with the station's name and its distance."""

    default_error_messages = {
        "invalid": "A stop is a station's name, or an object with its `station` and `distance_km`."
    }

    def to_internal_value(self, data: Any) -> tuple[str, Decimal | None]:
        if isinstance(data, str):
            return StationNameField().run_validation(data), None
        if not isinstance(data, dict):
            self.fail("invalid")
        stop = StopSerializer(data=data)
        stop.is_valid(raise_exception=True)
        return stop.validated_data["station"], stop.validated_data.get("distance_km")


class TrainOutputSerializer(serializers.Serializer):
    train_number = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    source = serializers.CharField()
    destination = serializers.CharField()
    stops = serializers.ListField(child=serializers.CharField())
    total_seats = serializers.IntegerField()
    coaches = CoachSerializer(many=True)
    fares = FareSerializer(many=True)


class AddTrainApi(APIView):
    """Add a train (superusers only).

    `stops` is the whole route, from `source` to `destination`; without it the train runs
    non-stop. Stations are named: a name one station has (ignoring case, accents and dashes)
    is that station, a name none has makes a new station in `time_zone` with a code made from
    it, and a name several stations have is refused (`ambiguous_station`, listing their codes).
    """

    permission_classes = [permissions.IsAuthenticated, IsSuperuser]

    class InputSerializer(serializers.Serializer):
        train_number = StrictIntegerField(min_value=1, max_value=2_147_483_647)
        name = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
        source = StationNameField()
        destination = StationNameField()
        total_seats = StrictIntegerField(min_value=1, max_value=Train.MAX_SEATS)
        stops = serializers.ListField(
            child=StopField(),
            required=False,
            max_length=Train.MAX_STOPS + 1,
            help_text='Station names, or {"station": "Gaya", "distance_km": 458} objects.',
        )
        coaches = CoachSerializer(many=True, required=False, allow_empty=False, max_length=Train.MAX_COACHES)
        fares = FareSerializer(many=True, required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            """Return the input as train_create takes it: stop names and distances apart, plans."""
            attrs = dict(attrs)
            if "stops" in attrs:
                stops = attrs.pop("stops")
                attrs["stops"] = [name for name, _ in stops]
                attrs["distances_km"] = [distance for _, distance in stops]
            if "coaches" in attrs:
                attrs["coaches"] = [CoachPlan(**coach) for coach in attrs["coaches"]]
            if "fares" in attrs:
                attrs["fares"] = [FarePlan(**fare) for fare in attrs["fares"]]
            return attrs

        time_zone = StrictCharField(
            max_length=TIME_ZONE_MAX_LENGTH,
            required=False,
            help_text=(
                "The IANA time zone (such as Asia/Kolkata) of the stations this call creates; "
                "by default the service's TIME_ZONE. Stations that exist keep theirs."
            ),
        )

    @extend_schema(
        request=InputSerializer,
        examples=[
            OpenApiExample(
                "A train with intermediate stops",
                value={
                    "train_number": 12301,
                    "name": "Howrah Rajdhani",
                    "source": "Howrah",
                    "destination": "New Delhi",
                    "total_seats": 100,
                    "stops": ["Howrah", "Dhanbad", "Gaya", "Kanpur", "New Delhi"],
                    "time_zone": "Asia/Kolkata",
                },
                request_only=True,
            ),
            OpenApiExample(
                "A train with coaches, fares and distances",
                value={
                    "train_number": 12302,
                    "source": "Howrah",
                    "destination": "New Delhi",
                    "total_seats": 144,
                    "stops": [
                        {"station": "Howrah", "distance_km": 0},
                        {"station": "Gaya", "distance_km": 458},
                        {"station": "New Delhi", "distance_km": 1447},
                    ],
                    "coaches": [
                        {"coach": "B1", "travel_class": "3A", "seats": 72, "layout": "berths-8"},
                        {"coach": "S1", "travel_class": "SL", "seats": 72, "layout": "berths-8"},
                    ],
                    "fares": [
                        {"travel_class": "3A", "per_km": "1.45", "minimum": "150.00"},
                        {"travel_class": "SL", "per_km": "0.55", "minimum": "80.00"},
                    ],
                },
                request_only=True,
            ),
        ],
        responses={
            201: TrainOutputSerializer,
            400: bad_request(
                "A field is missing or invalid, the number is taken, source and destination are the same, "
                "a station comes twice, `stops` does not run from `source` to `destination`, a name "
                "is several stations' (`ambiguous_station`, listing their `codes`), `time_zone` is "
                "not an IANA time zone (`unknown_time_zone`), a coach or class code is not 1-8 letters "
                "or digits (`invalid_code`), a layout is unknown (`unknown_layout`), a coach comes "
                "twice (`duplicate_coach`), the coaches' seats do not add up to `total_seats` "
                "(`seats_mismatch`), a class has two fares (`duplicate_fare`) or no coach "
                "(`fare_without_coach`), an amount is not a string with two decimals "
                "(`invalid_money`), or the stops' distances do not start at 0 "
                "(`first_stop_distance`) or go back (`distance_decreases`)."
            ),
            403: error_response("`permission_denied`: only superusers may add trains."),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        train = train_create(**data.validated_data)
        route = train_route(train=train)
        output = {
            "train_number": train.train_number,
            "name": train.name,
            "source": route[0],
            "destination": route[-1],
            "stops": route,
            "total_seats": train.total_seats,
            "coaches": train_coaches(train=train),
            "fares": train_fares(train=train),
        }
        return Response(TrainOutputSerializer(output).data, status=status.HTTP_201_CREATED)


# A station name never holds these; a query that does is a mistake or a probe.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Each word is one index lookup: more than any station name needs to be told apart.
STATION_QUERY_MAX_WORDS = 8


class StationQueryField(StrictCharField):
    """The finder's `q`: up to 100 characters, no control character."""

    default_error_messages = {
        "control_character": "The query holds a control character (U+{character:04X}).",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=100, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        control = _CONTROL_CHARACTERS.search(text)
        if control is not None:
            self.fail("control_character", character=ord(control[0]))
        return text


def station_cursor_encode(*, key: str, code: str) -> str:
    """Return an opaque cursor for the position (name key, code) in the finder's order."""
    return base64.urlsafe_b64encode(json.dumps([key, code]).encode()).decode().rstrip("=")


class StationCursorField(serializers.CharField):
    """A cursor made by `station_cursor_encode`, read back as (name key, code)."""

    default_error_messages = {"invalid_cursor": "Invalid cursor."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=1_000, **kwargs)

    def to_internal_value(self, data: Any) -> tuple[str, str]:
        text = super().to_internal_value(data)
        try:
            position = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            self.fail("invalid_cursor")
        if not (
            isinstance(position, list)
            and len(position) == 2
            and all(isinstance(part, str) for part in position)
        ):
            self.fail("invalid_cursor")
        return position[0], position[1]


class StationSearchApi(APIView):
    """Find stations by any part of their name, for any signed-in user.

    Each word of `q` must begin a word of the station's name, ignoring case, accents and
    punctuation: "paris st laz" finds "gare de Paris-St-Lazare". Stations come by name, then
    code; the `code` of a row is what `source` and `destination` take to name that very station.
    """

    throttle_classes = STATION_SEARCH_THROTTLES

    class InputSerializer(FlatInputSerializer):
        q = StationQueryField(help_text="Words of the station's name, or their beginnings.")
        limit = PageLimitField(default=20, max_value=100)
        after = StationCursorField(
            required=False, help_text="Continue after this position, as the Link header gives it."
        )

        def validate_q(self, value: str) -> list[str]:
            words = station_words(value)
            if not words:
                raise serializers.ValidationError(
                    "Type at least one letter or digit of the station's name.", code="no_words"
                )
            if len(words) > STATION_QUERY_MAX_WORDS:
                raise serializers.ValidationError(
                    f"Type at most {STATION_QUERY_MAX_WORDS} words of the station's name.",
                    code="too_many_words",
                )
            return words

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField(help_text="The station's code: pass it as `source` or `destination`.")
        name = serializers.CharField()
        time_zone = serializers.CharField(help_text="The IANA time zone its trains' times are written in.")

    @extend_schema(
        parameters=[InputSerializer, NEXT_PAGE_LINK],
        responses={
            200: OutputSerializer(many=True),
            400: bad_request(
                "`q` is missing, longer than 100 characters, holds a control character "
                "(`control_character`), no letter or digit (`no_words`) or more than 8 words "
                "(`too_many_words`); `limit` or `after` is invalid."
            ),
        },
    )
    def get(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        page = stations_find(words=params["q"], limit=params["limit"], after=params.get("after"))
        response = Response([dataclasses.asdict(station) for station in page.stations])
        if page.next_after is not None:
            key, code = page.next_after
            response["Link"] = next_page_link(request, after=station_cursor_encode(key=key, code=code))
        return response
