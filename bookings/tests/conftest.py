"""Test hooks for the bookings app: skip PostgreSQL-only tests when the suite runs on another database."""

from pathlib import Path

import pytest
from django.conf import settings

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this directory's tests marked postgres_only unless the default database is PostgreSQL."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason=f"needs PostgreSQL; the suite runs on {engine.rsplit('.', 1)[-1]}")
    for item in items:
        if HERE in item.path.parents and item.get_closest_marker("postgres_only") is not None:
            item.add_marker(skip)
