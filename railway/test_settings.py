"""Settings for the test suite: production settings, with test-only secrets and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from railway.settings import *  # noqa: F403

# Password hashing is deliberately slow; tests create many users. (Production's Argon2 has a test.)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# The benchmark's naive baseline (bench/, not part of the service) is tested with the suite;
# it authenticates with DRF's own tokens, as the original design did.
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken", "bench.naive"]  # noqa: F405
# A private cache, emptied before each test (conftest.py), whatever CACHE_URL says.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
# Limits that no test reaches by accident (concurrency tests book hundreds of times, each
# request with a token of its own); the tests of a limit set the limit they test.
TOKENS_PER_USER_MAX = 10_000
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "1000000/min"),  # noqa: F405
}
# Tests build a new request handler for every client; look static files up when asked instead
# of scanning every app's static folder each time.
WHITENOISE_AUTOREFRESH = True
# A read replica that mirrors the test database, as a streaming replica would; the search reads
# from it only in the tests that switch AVAILABILITY_FROM_REPLICA on (railway/tests/test_replica.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
AVAILABILITY_FROM_REPLICA = False
