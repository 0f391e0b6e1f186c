"""HTTP endpoint for adding trains (superusers only)."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from railway.api import StrictCharField, StrictIntegerField
from railway.openapi import bad_request, error_response
from trains.models import Train
from trains.selectors import train_route
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
    non-stop. Station names are trimmed and match ignoring case. The stations the call creates
    are in `time_zone`.
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
                "a station comes twice, `stops` does not run from `source` to `destination`, or "
                "`time_zone` is not an IANA time zone (`unknown_time_zone`)."
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
