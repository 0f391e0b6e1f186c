"""The baseline endpoint, written as the original spec's "Note on Race Condition Handling" designs it.

Plain idiomatic Django and DRF: token auth, a validating serializer, one transaction that
locks the train row, checks and decrements its counter and inserts the booking.
"""

from django.db import transaction
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.naive.models import NaiveBooking, NaiveTrain


class NaiveBookSeatApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        train_number = serializers.IntegerField(min_value=1)
        seat_count = serializers.IntegerField(min_value=1, max_value=10)

    class OutputSerializer(serializers.Serializer):
        booking_id = serializers.IntegerField(source="id")
        train_number = serializers.IntegerField(source="train.train_number")
        user_id = serializers.IntegerField()
        seat_count = serializers.IntegerField()
        created_at = serializers.DateTimeField()

    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        seat_count = data.validated_data["seat_count"]
        with transaction.atomic():
            train = (
                NaiveTrain.objects.select_for_update()
                .filter(train_number=data.validated_data["train_number"])
                .first()
            )
            if train is None:
                return Response({"detail": "No train with this number."}, status=status.HTTP_404_NOT_FOUND)
            if train.available_seats < seat_count:
                return Response(
                    {"detail": "Not enough seats.", "available_seats": train.available_seats},
                    status=status.HTTP_409_CONFLICT,
                )
            train.available_seats -= seat_count
            train.save(update_fields=["available_seats"])
            booking = NaiveBooking.objects.create(user=request.user, train=train, seat_count=seat_count)
        return Response(self.OutputSerializer(booking).data, status=status.HTTP_201_CREATED)
