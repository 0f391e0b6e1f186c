"""When a one-statement sale commits: on disk before its caller hears of it, or with the caller's
transaction when there is one (bookings_sell_seats_early_release, migration 0009)."""

import pytest
from django.db import connection, transaction

from bookings.models import Booking
from bookings.services import booking_sell_in_database

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="bookings_sell_seats() exists on PostgreSQL only"
)

# pg_current_wal_insert_lsn() counts a page header that a flush to the same record's end does
# not, when the last record ends on a page boundary: at most a long header's 40 bytes.
PAGE_HEADER_BYTES = 40


def unflushed_wal_bytes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), pg_current_wal_flush_lsn())")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_sale_is_on_disk_when_the_call_returns(owner, make_train):
    # The sale itself commits without waiting for the disk, so that its journey lock goes at
    # once; the call must still not return before its commit record is flushed.
    make_train(31, 10, "Agra", "Bina", "Itarsi")

    for source in ["Agra", "Bina", "Agra"]:
        sale = booking_sell_in_database(user=owner, train_number=31, seat_count=2, source=source)

        assert sale.status == 201
        assert unflushed_wal_bytes() <= PAGE_HEADER_BYTES


@pytest.mark.django_db(transaction=True)
def test_a_replayed_sale_is_on_disk_when_the_call_returns(owner, make_train):
    make_train(32, 10, "Agra", "Bina")
    first = booking_sell_in_database(
        user=owner, train_number=32, seat_count=1, idempotency_key="k-1", fingerprint="f" * 64
    )

    again = booking_sell_in_database(
        user=owner, train_number=32, seat_count=1, idempotency_key="k-1", fingerprint="f" * 64
    )

    assert again.replayed and again.body == first.body
    assert unflushed_wal_bytes() <= PAGE_HEADER_BYTES
    assert Booking.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_in_a_transaction_of_the_callers_the_sale_commits_or_rolls_back_with_it(owner, make_train):
    make_train(33, 10, "Agra", "Bina")

    with pytest.raises(RuntimeError), transaction.atomic():
        sale = booking_sell_in_database(user=owner, train_number=33, seat_count=3)
        assert Booking.objects.filter(pk=sale.body["booking_id"]).exists()
        raise RuntimeError("the caller gives up")
    assert not Booking.objects.exists()

    with transaction.atomic():
        kept = booking_sell_in_database(user=owner, train_number=33, seat_count=3)
    assert Booking.objects.get().pk == kept.body["booking_id"]
