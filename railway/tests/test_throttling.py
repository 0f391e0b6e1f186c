"""The throttles' counts live in the shared cache: every process sees them, and a cache outage
lets requests through rather than refusing everyone."""

import os
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings
from rest_framework.test import APIRequestFactory

from users.throttling import LoginPerAddressThrottle

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_cache_settings(location: str, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def redis_is_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def login_request(address: str = "198.51.100.7"):
    return APIRequestFactory().post("/user/login/", {}, format="json", REMOTE_ADDR=address)


def throttle_in_another_process() -> LoginPerAddressThrottle:
    """Return a throttle with a cache client of its own, as in another worker or app server."""
    throttle = LoginPerAddressThrottle()
    throttle.cache = caches.create_connection("default")
    return throttle


@pytest.mark.skipif(not redis_is_up(), reason=f"needs Redis at {REDIS_URL}")
def test_processes_sharing_redis_share_the_counts(throttle_limits):
    import redis

    throttle_limits(login_address="3/min")
    prefix = f"railway-test-{uuid.uuid4().hex}"
    with override_settings(CACHES=redis_cache_settings(REDIS_URL, prefix)):
        workers = [throttle_in_another_process() for _ in range(3)]
        try:
            allowed = [worker.allow_request(login_request(), None) for worker in workers]
            fourth = throttle_in_another_process().allow_request(login_request(), None)
            elsewhere = throttle_in_another_process().allow_request(login_request("198.51.100.8"), None)
        finally:
            # Only this test's keys: the Redis may be shared (cache.clear() would empty all of it).
            server = redis.Redis.from_url(REDIS_URL)
            for key in server.scan_iter(f"{prefix}:*"):
                server.delete(key)

    assert allowed == [True, True, True]
    assert fourth is False
    assert elsewhere is True


def test_when_the_cache_is_away_requests_pass_and_the_outage_is_logged(throttle_limits, caplog):
    throttle_limits(login_address="1/min")
    # Nothing listens on port 1: every cache call fails at once.
    with override_settings(CACHES=redis_cache_settings("redis://127.0.0.1:1/0", "away")):
        answers = [LoginPerAddressThrottle().allow_request(login_request(), None) for _ in range(3)]

    assert answers == [True, True, True]
    assert "Throttle cache unavailable, login_address not limited" in caplog.text


def test_a_throttle_without_a_rate_lets_everything_through(throttle_limits):
    throttle_limits(login_address=None)
    throttle = LoginPerAddressThrottle()

    assert all(throttle.allow_request(login_request(), None) for _ in range(100))
