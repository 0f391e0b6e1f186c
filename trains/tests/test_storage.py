"""Storage choices the seat engine's speed depends on."""

import pytest
from django.db import connection


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage parameter")
def test_seat_pages_keep_room_for_updated_masks():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'trains_seat'")
        (options,) = cursor.fetchone()

    assert "fillfactor=80" in (options or [])
