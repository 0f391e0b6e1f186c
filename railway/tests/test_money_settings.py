"""The fare and refund settings are read from the environment and refused at start-up when malformed."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from railway.env import env_money, env_refund_bands


def test_the_default_bands_are_the_documented_ones(monkeypatch):
    monkeypatch.delenv("REFUND_BANDS", raising=False)

    assert env_refund_bands("REFUND_BANDS", "48:fee,12:0.75,0:0.50") == (
        (48, "fee"),
        (12, Decimal("0.75")),
        (0, Decimal("0.50")),
    )


def test_bands_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("REFUND_BANDS", "72:fee, 24:0.9 ,2:0")

    assert env_refund_bands("REFUND_BANDS", "48:fee") == ((72, "fee"), (24, Decimal("0.9")), (2, Decimal(0)))


@pytest.mark.parametrize(
    "raw", ["48", "48:half", "x:fee", "12:0.5,48:fee", "12:0.5,12:0.25", "-1:fee", "12:1.5", "12:-0.1"]
)
def test_malformed_bands_stop_the_start(monkeypatch, raw):
    monkeypatch.setenv("REFUND_BANDS", raw)

    with pytest.raises(ImproperlyConfigured, match="REFUND_BANDS"):
        env_refund_bands("REFUND_BANDS", "48:fee")


def test_the_fee_is_an_exact_amount(monkeypatch):
    monkeypatch.setenv("CANCELLATION_FEE", "75.5")

    assert env_money("CANCELLATION_FEE", "60.00") == Decimal("75.50")


@pytest.mark.parametrize("raw", ["sixty", "-1", "0.005", "NaN", "Infinity"])
def test_a_malformed_fee_stops_the_start(monkeypatch, raw):
    monkeypatch.setenv("CANCELLATION_FEE", raw)

    with pytest.raises(ImproperlyConfigured, match="CANCELLATION_FEE"):
        env_money("CANCELLATION_FEE", "60.00")
