"""A per-user cap on the confirmed seats one user may hold on one train (OWASP API6).

bookings_sell_seats() takes the cap as a new last parameter and refuses a sale that would
pass it with `seat_cap_reached`, counting the user's confirmed seats on the train under the
train lock, as bookings.services._sell_seats does in Python. The count is one probe of the
new index booking_train_user, which replaces the train's own foreign-key index (a prefix of
it). The old eight-parameter function is dropped: a new signature is a new function.
"""

import importlib

from django.conf import settings
from django.db import migrations, models

PREVIOUS = importlib.import_module("bookings.migrations.0004_booking_seats")

SELL_SEATS = r"""
CREATE OR REPLACE FUNCTION bookings_sell_seats(
    p_user_id bigint,
    p_train_number integer,
    p_source_key text,          -- station key (trimmed, case-folded) or NULL for the origin
    p_destination_key text,     -- station key or NULL for the terminus
    p_seat_count integer,
    p_idempotency_key text,     -- NULL when the request carries none
    p_fingerprint text,
    p_key_ttl_hours integer,
    p_seat_cap integer          -- most confirmed seats one user may hold on the train
) RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_record record;
    v_train_id bigint;
    v_total integer;
    v_source_name text;
    v_destination_name text;
    v_legs integer;
    v_from integer;
    v_to integer;
    v_wanted bigint;
    v_held integer;
    v_free integer;
    v_first integer;
    v_seats integer[];
    v_booking_id bigint;
    v_created timestamptz;
    v_body jsonb;
BEGIN
    -- 1. The train lock, the only one taken on the train; everything after it reads current data.
    SELECT id, total_seats INTO v_train_id, v_total
      FROM trains_train WHERE train_number = p_train_number
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'train_not_found');
    END IF;

    -- 2. The idempotency key. A retry repeats its body, so its train: it queues on the lock above
    -- behind the first request and finds here the record that request committed. A key reused
    -- for another train races only to the insert at the end, where the unique index refuses it.
    IF p_idempotency_key IS NOT NULL THEN
        SELECT id, request_fingerprint, response_status, response_body, created_at INTO v_record
          FROM bookings_idempotencyrecord WHERE user_id = p_user_id AND key = p_idempotency_key;
        IF FOUND THEN
            IF v_record.created_at < now() - make_interval(hours => p_key_ttl_hours) THEN
                DELETE FROM bookings_idempotencyrecord WHERE id = v_record.id;
            ELSIF v_record.request_fingerprint <> p_fingerprint THEN
                RETURN jsonb_build_object('outcome', 'key_reused');
            ELSE
                RETURN jsonb_build_object(
                    'outcome', 'replay', 'status', v_record.response_status, 'body', v_record.response_body);
            END IF;
        END IF;
    END IF;

    -- 3. The segment, from the two stops asked for: an index probe each, not the whole route.
    -- A station missing from the route leaves its position NULL, reported as -1 below.
    SELECT max(position) INTO v_legs FROM trains_stop WHERE train_id = v_train_id;
    IF p_source_key IS NULL THEN
        SELECT s.position, st.name INTO v_from, v_source_name
          FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
         WHERE s.train_id = v_train_id AND s.position = 0;
    ELSE
        SELECT s.position, st.name INTO v_from, v_source_name
          FROM trains_station st JOIN trains_stop s ON s.station_id = st.id AND s.train_id = v_train_id
         WHERE st.key = p_source_key;
    END IF;
    IF p_destination_key IS NULL THEN
        SELECT s.position, st.name INTO v_to, v_destination_name
          FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
         WHERE s.train_id = v_train_id AND s.position = v_legs;
    ELSE
        SELECT s.position, st.name INTO v_to, v_destination_name
          FROM trains_station st JOIN trains_stop s ON s.station_id = st.id AND s.train_id = v_train_id
         WHERE st.key = p_destination_key;
    END IF;
    v_from := coalesce(v_from, -1);
    v_to := coalesce(v_to, -1);
    IF v_from < 0 THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'source_not_on_route');
    ELSIF v_to < 0 THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'destination_not_on_route');
    ELSIF v_from = v_to THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'same_station');
    ELSIF v_from > v_to THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'wrong_order');
    END IF;

    -- 4. The per-user seat cap. Counted under the train lock: the same user's racing sale
    -- waits on that lock, and this statement then sees the seats it committed.
    SELECT coalesce(sum(seat_count), 0) INTO v_held
      FROM bookings_booking
     WHERE train_id = v_train_id AND user_id = p_user_id AND status = 'confirmed';
    IF v_held + p_seat_count > p_seat_cap THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'seat_cap_reached', 'seats_held', v_held);
    END IF;

    -- 5. The seats, as bookings.allocation.choose_seats chooses them. Legs from..to-1 are ridden.
    -- Every candidate is read in seat order from the primary key; bookings_seat_slack() is
    -- inlined into each query.
    v_wanted := ((-1)::bigint << v_from) & ~((-1)::bigint << v_to);
    IF p_seat_count = 1 THEN
        -- The tightest free seat; none found means none is free.
        SELECT number INTO v_first
          FROM trains_seat
         WHERE train_id = v_train_id AND sold_legs & v_wanted = 0
         ORDER BY bookings_seat_slack(sold_legs, v_from, v_to, v_legs), number
         LIMIT 1;
        v_free := CASE WHEN v_first IS NULL THEN 0 ELSE 1 END;
        v_seats := ARRAY[v_first];
    ELSE
        -- A run of adjacent free seats with the least total slack, found in one pass.
        SELECT first_seat INTO v_first
          FROM (SELECT number - p_seat_count + 1 AS first_seat,
                       sum(slack) OVER run AS run_slack,
                       number - lag(number, p_seat_count - 1) OVER run AS span
                  FROM (SELECT number, bookings_seat_slack(sold_legs, v_from, v_to, v_legs) AS slack
                          FROM trains_seat
                         WHERE train_id = v_train_id AND sold_legs & v_wanted = 0) AS free
                WINDOW run AS (ORDER BY number ROWS BETWEEN p_seat_count - 1 PRECEDING AND CURRENT ROW)
               ) AS runs
         WHERE span = p_seat_count - 1
         ORDER BY run_slack, first_seat
         LIMIT 1;
        IF v_first IS NOT NULL THEN
            v_free := p_seat_count;
            v_seats := ARRAY(SELECT generate_series(v_first, v_first + p_seat_count - 1));
        ELSE
            -- No run is free: the tightest seats singly, if there are enough.
            SELECT count(*) INTO v_free
              FROM trains_seat WHERE train_id = v_train_id AND sold_legs & v_wanted = 0;
            IF v_free >= p_seat_count THEN
                SELECT array_agg(number ORDER BY number) INTO v_seats
                  FROM (SELECT number FROM trains_seat
                         WHERE train_id = v_train_id AND sold_legs & v_wanted = 0
                         ORDER BY bookings_seat_slack(sold_legs, v_from, v_to, v_legs), number
                         LIMIT p_seat_count) AS tightest;
            END IF;
        END IF;
    END IF;
    IF v_free < p_seat_count THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'insufficient_seats', 'available_seats', v_free);
    END IF;

    -- 6. One statement writes the booking, its seats (which bookingseat_no_double_sale guards)
    -- and the seat masks.
    WITH booking AS (
        INSERT INTO bookings_booking
            (user_id, train_id, from_position, to_position, seat_count, seat_numbers, status, created_at)
        VALUES (p_user_id, v_train_id, v_from, v_to, p_seat_count, to_jsonb(v_seats), 'confirmed',
                clock_timestamp())
        RETURNING id, created_at
    ),
    seats_held AS (
        INSERT INTO bookings_bookingseat (booking_id, seat_number, train_id, from_position, to_position)
        SELECT booking.id, seat, v_train_id, v_from, v_to FROM booking, unnest(v_seats) AS seat
    ),
    masks AS (
        UPDATE trains_seat SET sold_legs = sold_legs | v_wanted
         WHERE train_id = v_train_id AND number = ANY (v_seats)
    )
    SELECT id, created_at INTO v_booking_id, v_created FROM booking;

    v_body := jsonb_build_object(
        'booking_id', v_booking_id,
        'train_number', p_train_number,
        'user_id', p_user_id,
        'source', v_source_name,
        'destination', v_destination_name,
        'seat_count', p_seat_count,
        'seat_numbers', to_jsonb(v_seats),
        'status', 'confirmed',
        -- The API's timestamp format: ISO 8601 in UTC, microseconds only when non-zero.
        'created_at', to_char(v_created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
            || CASE WHEN extract(microseconds FROM v_created)::bigint % 1000000 = 0 THEN ''
                    ELSE '.' || to_char(v_created AT TIME ZONE 'UTC', 'US') END
            || 'Z'
    );
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO bookings_idempotencyrecord
            (user_id, key, request_fingerprint, response_status, response_body, created_at)
        VALUES (p_user_id, p_idempotency_key, p_fingerprint, 201, v_body, now());
    END IF;
    RETURN jsonb_build_object('outcome', 'booked', 'status', 201, 'body', v_body);
END;
$$;
"""

OLD_SIGNATURE = "bookings_sell_seats(bigint, integer, text, text, integer, text, text, integer)"
NEW_SIGNATURE = "bookings_sell_seats(bigint, integer, text, text, integer, text, text, integer, integer)"


def sell_seats_replace(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {OLD_SIGNATURE}", params=None)
        schema_editor.execute(SELL_SEATS, params=None)


def sell_seats_restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {NEW_SIGNATURE}", params=None)
        schema_editor.execute(PREVIOUS.SELL_SEATS, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_booking_seats"),
        ("trains", "0002_seat_fillfactor"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The new index first, so that bookings are never without an index on their train.
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(fields=["train", "user"], name="booking_train_user"),
        ),
        migrations.AlterField(
            model_name="booking",
            name="train",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.PROTECT,
                related_name="bookings",
                to="trains.train",
            ),
        ),
        migrations.RunPython(sell_seats_replace, sell_seats_restore),
    ]
