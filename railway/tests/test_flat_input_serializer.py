"""FlatInputSerializer validates as DRF's Serializer does, with fields copied rather than rebuilt."""

import pytest
from rest_framework import serializers

from railway.api import FlatInputSerializer, StrictIntegerField


class Booking(FlatInputSerializer):
    train_number = StrictIntegerField(min_value=1)
    seat_count = StrictIntegerField(min_value=1, max_value=10, default=1)
    source = serializers.CharField(required=False, max_length=5)


class PlainBooking(serializers.Serializer):
    train_number = StrictIntegerField(min_value=1)
    seat_count = StrictIntegerField(min_value=1, max_value=10, default=1)
    source = serializers.CharField(required=False, max_length=5)


BODIES = [
    {"train_number": 7},
    {"train_number": 7, "seat_count": 3, "source": " Kota "},
    {"train_number": 0, "seat_count": 11},
    {"train_number": "7", "source": "Far too long"},
    {},
]


@pytest.mark.parametrize("body", BODIES)
def test_it_accepts_and_refuses_what_a_serializer_does(body):
    ours, theirs = Booking(data=body), PlainBooking(data=body)

    assert ours.is_valid() == theirs.is_valid()
    assert ours.errors == theirs.errors
    assert ours.validated_data == theirs.validated_data


def test_each_request_gets_fields_of_its_own():
    first, second = Booking(data={"train_number": 0}), Booking(data={"train_number": 5})

    assert not first.is_valid()
    assert second.is_valid()
    assert first.fields["train_number"] is not second.fields["train_number"]
    assert first.fields["train_number"].parent is first
    assert second.fields["train_number"].parent is second
    # The declared field itself stays unbound, for the next request to copy.
    assert Booking._declared_fields["train_number"].parent is None
    assert first.errors == {"train_number": ["Ensure this value is greater than or equal to 1."]}


@pytest.mark.parametrize(
    "nested",
    [
        serializers.ListField(child=serializers.IntegerField()),
        serializers.DictField(),
        PlainBooking(),
    ],
)
def test_a_field_with_fields_inside_is_refused(nested):
    # A shallow copy would share the inner fields between requests.
    with pytest.raises(TypeError, match="stops"):
        type("Route", (FlatInputSerializer,), {"stops": nested})
