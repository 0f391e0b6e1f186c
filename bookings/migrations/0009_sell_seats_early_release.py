"""bookings_sell_seats_early_release(): a sale that lets go of the journey lock before its commit
reaches the disk, and returns only once it has.

A transaction's locks are released after its commit record is flushed, so a sale held its
journey's lock through an fdatasync of the WAL: a quarter of the hold on the hot journey,
during which every other sale of it waited. The procedure commits the sale asynchronously,
which releases the lock as soon as the commit is written, then commits a second transaction
synchronously. WAL is flushed in order, so that flush covers the sale's commit record too; only
then does CALL return and the client hear of its booking. A crash in between loses a sale that
nobody was told of: its retry, with the same Idempotency-Key, books afresh. Everything that saw
the sale and was made durable comes later in the WAL, so it cannot outlive the sale.

The second transaction must write to the WAL under a transaction id of its own, or its commit
would not wait for the flush: it emits one empty transactional message (which logical decoding
consumers may see under the prefix "railway.flush", and ignore). A replay waits for the flush
as well: the answer it repeats may be the one still in flight. A refusal writes nothing and
waits for nothing.
"""

from django.db import migrations

SELL_SEATS_EARLY_RELEASE = r"""
CREATE OR REPLACE PROCEDURE bookings_sell_seats_early_release(
    p_user_id bigint,
    p_train_number integer,
    p_journey_date date,
    p_source_key text,
    p_destination_key text,
    p_seat_count integer,
    p_idempotency_key text,
    p_fingerprint text,
    p_key_ttl_hours integer,
    p_seat_cap integer,
    p_today date,
    p_horizon_days integer,
    INOUT p_outcome jsonb DEFAULT NULL   -- what bookings_sell_seats() returns
)
LANGUAGE plpgsql
AS $$
BEGIN
    SET LOCAL synchronous_commit = off;
    p_outcome := bookings_sell_seats(
        p_user_id, p_train_number, p_journey_date, p_source_key, p_destination_key, p_seat_count,
        p_idempotency_key, p_fingerprint, p_key_ttl_hours, p_seat_cap, p_today, p_horizon_days);
    COMMIT;
    IF p_outcome ->> 'outcome' IN ('booked', 'replay') THEN
        PERFORM pg_logical_emit_message(true, 'railway.flush', '');
        COMMIT;
    END IF;
END;
$$;
"""

SIGNATURE = (
    "bookings_sell_seats_early_release("
    "bigint, integer, date, text, text, integer, text, text, integer, integer, date, integer, jsonb)"
)


def procedure_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SELL_SEATS_EARLY_RELEASE, params=None)


def procedure_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP PROCEDURE IF EXISTS {SIGNATURE}", params=None)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0008_drop_indexes_the_keys_cover")]

    operations = [migrations.RunPython(procedure_create, procedure_drop)]
