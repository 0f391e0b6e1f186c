"""A refund is exact: the fare's share rounded half up to the cent, never below nothing."""

import datetime
from decimal import Decimal

import pytest

from bookings.refunds import refund_due

HOURS = datetime.timedelta(hours=1)


@pytest.mark.parametrize(
    ("fare", "ahead", "refund"),
    [
        ("2755.00", 49 * HOURS, "2695.00"),
        ("60.00", 49 * HOURS, "0.00"),
        ("45.00", 49 * HOURS, "0.00"),
        # 75% of 0.01 = 0.0075, half up to 0.01; of 0.02 = 0.015, to 0.02.
        ("0.01", 24 * HOURS, "0.01"),
        ("0.02", 24 * HOURS, "0.02"),
        ("100.10", 24 * HOURS, "75.08"),  # 75.075
        # 50% of 0.01 = 0.005, half up to 0.01.
        ("0.01", HOURS, "0.01"),
        ("1464.50", HOURS, "732.25"),
        ("1464.50", -HOURS, "0.00"),
    ],
)
def test_refunds_round_half_up_to_the_cent(fare, ahead, refund):
    assert refund_due(fare=Decimal(fare), before_departure=ahead) == Decimal(refund)


def test_the_fee_and_bands_are_settings(settings):
    settings.CANCELLATION_FEE = Decimal("10.00")
    settings.REFUND_BANDS = ((24, "fee"), (0, Decimal("0.25")))

    assert refund_due(fare=Decimal("100.00"), before_departure=25 * HOURS) == Decimal("90.00")
    assert refund_due(fare=Decimal("100.00"), before_departure=24 * HOURS) == Decimal("25.00")


def test_the_operators_cancellation_refunds_the_whole_fare():
    assert refund_due(fare=Decimal("2755.00"), before_departure=None) == Decimal("2755.00")
