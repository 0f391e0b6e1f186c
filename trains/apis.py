"""HTTP endpoint for adding trains (superusers only)."""

from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from railway.api import StrictCharField, StrictIntegerField
from trains.models import Train
from trains.selectors import train_route
from trains.services import train_create


class IsSuperuser(permissions.BasePermission):
    message = "Only superusers may add trains."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_superuser)


class StationNameField(StrictCharField):
    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(max_length=100, **kwargs)


class TrainOutputSerializer(serializers.Serializer):
    train_number = serializers.IntegerField()
    name = serializers.CharField()
    source = serializers.CharField()
    destination = serializers.CharField()
    stops = serializers.ListField(child=serializers.CharField())
    total_seats = serializers.IntegerField()


class AddTrainApi(APIView):
    permission_classes = [permissions.IsAuthenticated, IsSuperuser]

    class InputSerializer(serializers.Serializer):
        train_number = StrictIntegerField(min_value=1, max_value=2_147_483_647)
        name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        source = StationNameField()
        destination = StationNameField()
        total_seats = StrictIntegerField(min_value=1, max_value=Train.MAX_SEATS)
        stops = serializers.ListField(
            child=StationNameField(), required=False, max_length=Train.MAX_STOPS + 1
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
