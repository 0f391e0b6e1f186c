"""Typed readers for settings that come from the environment; bad values fail at start-up."""

import os
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_money(name: str, default: str) -> Decimal:
    """Read an amount of money, at least 0 and with at most two decimals, such as `60.00`."""
    raw = os.environ.get(name)
    raw = default if raw is None or raw.strip() == "" else raw.strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be an amount such as 60.00, got {raw!r}") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ImproperlyConfigured(f"{name} must be an amount of at least 0 with two decimals, got {raw!r}")
    return value.quantize(Decimal("0.01"))


def env_refund_bands(name: str, default: str) -> tuple[tuple[int, str | Decimal], ...]:
    """Read refund bands such as `48:fee,12:0.75,0:0.50`: hours before departure, and what is refunded
    when cancelling more than that ahead (`fee`: the fare less the fee; or a share of the fare, 0 to 1).

    The hours must fall from band to band, so that each moment ahead is in one band.
    """
    raw = os.environ.get(name)
    raw = default if raw is None or raw.strip() == "" else raw
    bands: list[tuple[int, str | Decimal]] = []
    for item in raw.split(","):
        hours, _, rule = item.strip().partition(":")
        try:
            hours_value = int(hours)
            rule_value: str | Decimal = "fee" if rule.strip() == "fee" else Decimal(rule.strip())
        except (ValueError, InvalidOperation):
            raise ImproperlyConfigured(f"{name}: {item!r} is not HOURS:fee or HOURS:SHARE") from None
        if hours_value < 0 or (isinstance(rule_value, Decimal) and not 0 <= rule_value <= 1):
            raise ImproperlyConfigured(f"{name}: {item!r} needs hours of at least 0 and a share from 0 to 1")
        if bands and hours_value >= bands[-1][0]:
            raise ImproperlyConfigured(f"{name}: the hours must fall from band to band, got {raw!r}")
        bands.append((hours_value, rule_value))
    return tuple(bands)


_RATE_PERIODS = {"s": "s", "sec": "s", "second": "s", "m": "m", "min": "m", "minute": "m"}
_RATE_PERIODS |= {"h": "h", "hour": "h", "d": "d", "day": "d"}


def env_rate(name: str, default: str) -> str:
    """Read a request rate such as `5/min` (periods: s, min, hour, day), as DRF's throttles take it."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        raw = default
    count, _, period = raw.strip().partition("/")
    if not count.isdigit() or int(count) < 1 or period not in _RATE_PERIODS:
        raise ImproperlyConfigured(f"{name} must be a rate such as 5/min (per s, min, hour, day): {raw!r}")
    return f"{int(count)}/{_RATE_PERIODS[period]}"


def env_cache(name: str, default: str = "locmem://") -> dict[str, Any]:
    """Read a cache URL (`redis://host:port/db`, `rediss://...` or `locmem://`) as a Django cache setting."""
    url = os.environ.get(name) or default
    scheme = url.partition("://")[0].lower()
    if scheme in {"redis", "rediss", "unix"}:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # A cache that is away must cost a request a moment, not hang it (throttles then let it pass).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": url.partition("://")[2] or "railway",
            # Throttle counts are one entry per client and window; the default 300 would cull them early.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    raise ImproperlyConfigured(f"{name} must be a redis://, rediss:// or locmem:// URL, got {url!r}")
