"""Abuse limits: how many requests a client address or a user may make in a window.

Each limit counts requests in fixed windows (a minute, an hour) with one atomic increment in
the shared cache, so that every worker process and app server sees the same count and parallel
requests cannot all slip under the limit. Past the limit DRF answers 429 with `Retry-After`
(the seconds left in the window). The rates are settings (`DEFAULT_THROTTLE_RATES`, read from
the environment); a scope's rate is read afresh for every request.
"""

import hashlib
import ipaddress
import logging

from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

logger = logging.getLogger(__name__)


def _digest(identity: str) -> str:
    # surrogatepass: JSON may carry a lone surrogate ("\ud800"), which strict UTF-8 refuses.
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class FixedWindowRateThrottle(SimpleRateThrottle):
    """Allow `rate` requests per window for each identity that `identity()` names."""

    cache = cache

    def get_rate(self) -> str | None:
        # DRF binds the rates at import; read them now, so that a changed setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def identity(self, request: Request) -> str | None:
        """Return what this limit counts for the request (an address, a username), or None to let it pass."""
        raise NotImplementedError

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        identity = self.identity(request)
        if identity is None:
            return None
        # Hashed: a username or address may hold characters a cache key must not, and need not be kept.
        return f"throttle:{self.scope}:{_digest(identity)}"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window_start = int(now // self.duration) * self.duration
        self.seconds_left = window_start + self.duration - now
        try:
            count = self._count(f"{key}:{window_start}")
        except Exception as exc:
            # The cache is away: serving everyone beats refusing everyone; the outage is logged.
            logger.error("Throttle cache unavailable, %s not limited: %r", self.scope, exc)
            return True
        return count <= self.num_requests

    def wait(self) -> float:
        return self.seconds_left

    def _count(self, key: str) -> int:
        """Add this request to the window's count and return the count, atomically."""
        try:
            return self.cache.incr(key)
        except ValueError:
            # The window's first request. The key outlives its window, which its name ends.
            if self.cache.add(key, 1, self.duration):
                return 1
            return self.cache.incr(key)


class ClientAddressThrottle(FixedWindowRateThrottle):
    """Count per client address (REMOTE_ADDR, or as NUM_PROXIES says), an IPv6 client per /64."""

    def identity(self, request: Request) -> str | None:
        address = self.get_ident(request) or ""
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return address
        if parsed.version == 6:
            if parsed.ipv4_mapped is not None:
                return str(parsed.ipv4_mapped)
            # One subscriber gets a whole /64: counting each address would let it rotate freely.
            return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
        return str(parsed)


class UserThrottle(FixedWindowRateThrottle):
    """Count per authenticated user."""

    def identity(self, request: Request) -> str | None:
        return str(request.user.pk) if request.user.is_authenticated else None


class BookingPerUserThrottle(UserThrottle):
    scope = "booking_user"


BOOKING_THROTTLES = [BookingPerUserThrottle]


class StationSearchPerUserThrottle(UserThrottle):
    scope = "station_search_user"


STATION_SEARCH_THROTTLES = [StationSearchPerUserThrottle]


class PnrPerUserThrottle(UserThrottle):
    """Reads and cancellations by PNR: enough for any passenger, too few to try codes at random."""

    scope = "pnr_user"


PNR_THROTTLES = [PnrPerUserThrottle]
