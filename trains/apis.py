"""HTTP endpoints for adding trains (superusers only) and finding stations."""

import base64
import binascii
import dataclasses
import json
import re
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from railway.api import FlatInputSerializer, StrictCharField, StrictIntegerField
from railway.openapi import NEXT_PAGE_LINK, bad_request, error_response
from railway.pagination import PageLimitField, next_page_link
from railway.throttling import STATION_SEARCH_THROTTLES
from trains.models import Train, station_words
from trains.selectors import stations_find, train_route
from trains.services import train_create
from trains.time_zones import TIME_ZONE_MAX_LENGTH


class IsSuperuser(permissions.BasePermission):
    message = "Only superusers may add trains."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_superuser)


class StationNameField(StrictCharField):
    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(max_length=100, **kwargs)


class TrainOutputSerializer(serializers.Serializer):
    train_number = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    source = serializers.CharField()
    destination = serializers.CharField()
    stops = serializers.ListField(child=serializers.CharField())
    total_seats = serializers.IntegerField()


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
            child=StationNameField(), required=False, max_length=Train.MAX_STOPS + 1
        )
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
            )
        ],
        responses={
            201: TrainOutputSerializer,
            400: bad_request(
                "A field is missing or invalid, the number is taken, source and destination are the same, "
                "a station comes twice, `stops` does not run from `source` to `destination`, a name "
                "is several stations' (`ambiguous_station`, listing their `codes`), or `time_zone` is "
                "not an IANA time zone (`unknown_time_zone`)."
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
