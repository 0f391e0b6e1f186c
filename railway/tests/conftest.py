"""Fixtures for the service's cross-cutting tests."""

from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from railway.db.timeouts import role_timeouts_set, timeouts_configured
from railway.tests.pooler import behind_pooler, pooler_sessions_renew


@pytest.fixture
def role_timeouts(transactional_db) -> Iterator[Callable[..., None]]:
    """Return a setter: role_timeouts(lock_timeout=500) stores it for the test database's role.

    Sessions opened afterwards start with it, as after a `migrate` with that setting; the
    configured timeouts are stored back when the test ends. PostgreSQL only.
    """
    configured = timeouts_configured()

    def store(**timeouts: int) -> None:
        role_timeouts_set(connection, {**configured, **timeouts})
        pooler_sessions_renew()

    yield store
    role_timeouts_set(connection, configured)
    pooler_sessions_renew()


@pytest.fixture
def direct_database_sessions(db) -> None:
    """Skip the test behind a pooler: it finds, watches or ends the server session of a client."""
    if connection.vendor == "postgresql" and behind_pooler():
        pytest.skip("needs each client connection to be one server session, which a pooler does not keep")
