"""A passenger's fare: max(minimum, per_km x km ridden), rounded half up to the cent; no fare, no cost."""

from decimal import Decimal

import pytest

from trains.fares import class_fare, passenger_fare


def fare(per_km: str, minimum: str, km: str) -> Decimal:
    return passenger_fare(per_km=Decimal(per_km), minimum=Decimal(minimum), km=Decimal(km))


def test_the_fare_is_the_rate_times_the_distance():
    assert fare("1.45", "150.00", "1000") == Decimal("1450.00")


def test_a_short_ride_costs_the_minimum():
    assert fare("1.45", "150.00", "100") == Decimal("150.00")


def test_the_minimum_holds_up_to_the_distance_where_the_rate_passes_it():
    assert fare("1.50", "150.00", "100") == Decimal("150.00")
    assert fare("1.50", "150.00", "100.1") == Decimal("150.15")


@pytest.mark.parametrize(
    ("per_km", "km", "expected"),
    [
        # 0.55 x 0.5 = 0.275: half a cent goes up.
        ("0.55", "0.5", "0.28"),
        # 0.45 x 0.5 = 0.225: half up, never to the even cent.
        ("0.45", "0.5", "0.23"),
        # 0.01 x 0.4 = 0.004: under half a cent goes down.
        ("0.01", "0.4", "0.00"),
        ("0.01", "0.5", "0.01"),
        # 1.45 x 457.3 = 663.085
        ("1.45", "457.3", "663.09"),
    ],
)
def test_the_fare_rounds_half_up_to_the_cent(per_km, km, expected):
    assert fare(per_km, "0.00", km) == Decimal(expected)


def test_the_fare_is_exact_decimal_with_two_places():
    result = fare("0.10", "0.00", "3")

    assert isinstance(result, Decimal)
    assert str(result) == "0.30"


def test_a_class_without_a_fare_costs_nothing():
    fares = {"3A": (Decimal("1.45"), Decimal("150.00"))}

    assert class_fare(fares=fares, travel_class="SL", km=Decimal("500")) == Decimal("0.00")
    assert str(class_fare(fares=fares, travel_class="SL", km=Decimal("500"))) == "0.00"
    assert class_fare(fares=fares, travel_class="3A", km=Decimal("500")) == Decimal("725.00")
