"""The seat engine's PostgreSQL fast path: a whole sale, idempotency included, in one statement.

bookings_sell_seats() does what bookings.services.booking_create does in Python, with the
same locking contract and the same seat choice (bookings.allocation.choose_seats), so that
a booking costs one round trip and holds the train lock only while the database works.
SQLite keeps the Python engine; tests on PostgreSQL check that both choose the same seats.
"""

from django.db import migrations

SELL_SEATS = r"""
CREATE OR REPLACE FUNCTION bookings_sell_seats(
    p_user_id bigint,
    p_train_number integer,
    p_source_key text,          -- station key (trimmed, case-folded) or NULL for the origin
    p_destination_key text,     -- station key or NULL for the terminus
    p_seat_count integer,
    p_idempotency_key text,     -- NULL when the request carries none
    p_fingerprint text,
    p_key_ttl_hours integer
) RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_record bookings_idempotencyrecord%ROWTYPE;
    v_train_id bigint;
    v_total integer;
    v_legs integer;
    v_from integer;
    v_to integer;
    v_from_name text;
    v_to_name text;
    v_wanted bigint;
    v_free integer;
    v_seats integer[];
    v_booking_id bigint;
    v_created timestamptz;
    v_body jsonb;
BEGIN
    -- 1. The idempotency key first (the same lock order as the Python engine: key, then train).
    -- A racing request with the same key waits here on the unique index until we commit.
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO bookings_idempotencyrecord (user_id, key, request_fingerprint, created_at)
        VALUES (p_user_id, p_idempotency_key, p_fingerprint, now())
        ON CONFLICT (user_id, key) DO NOTHING;
        IF NOT FOUND THEN
            SELECT * INTO v_record FROM bookings_idempotencyrecord
             WHERE user_id = p_user_id AND key = p_idempotency_key FOR UPDATE;
            IF v_record.created_at < now() - make_interval(hours => p_key_ttl_hours) THEN
                UPDATE bookings_idempotencyrecord
                   SET request_fingerprint = p_fingerprint, response_status = NULL,
                       response_body = NULL, created_at = now()
                 WHERE id = v_record.id;
            ELSIF v_record.request_fingerprint <> p_fingerprint THEN
                RETURN jsonb_build_object('outcome', 'key_reused');
            ELSE
                RETURN jsonb_build_object(
                    'outcome', 'replay', 'status', v_record.response_status, 'body', v_record.response_body);
            END IF;
        END IF;
    END IF;

    -- 2. The train lock, the only one taken on the train; everything after it reads current data.
    SELECT id, total_seats INTO v_train_id, v_total
      FROM trains_train WHERE train_number = p_train_number
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN bookings_sell_seats_refusal(p_user_id, p_idempotency_key, 'train_not_found', NULL);
    END IF;

    SELECT max(position) INTO v_legs FROM trains_stop WHERE train_id = v_train_id;
    IF p_source_key IS NULL THEN
        v_from := 0;
    ELSE
        SELECT s.position INTO v_from FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
         WHERE s.train_id = v_train_id AND st.key = p_source_key;
        IF NOT FOUND THEN
            RETURN bookings_sell_seats_refusal(p_user_id, p_idempotency_key, 'source_not_on_route', NULL);
        END IF;
    END IF;
    IF p_destination_key IS NULL THEN
        v_to := v_legs;
    ELSE
        SELECT s.position INTO v_to FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
         WHERE s.train_id = v_train_id AND st.key = p_destination_key;
        IF NOT FOUND THEN
            RETURN bookings_sell_seats_refusal(p_user_id, p_idempotency_key, 'destination_not_on_route', NULL);
        END IF;
    END IF;
    IF v_from = v_to THEN
        RETURN bookings_sell_seats_refusal(p_user_id, p_idempotency_key, 'same_station', NULL);
    ELSIF v_from > v_to THEN
        RETURN bookings_sell_seats_refusal(p_user_id, p_idempotency_key, 'wrong_order', NULL);
    END IF;

    -- 3. Choose seats: bookings.allocation.choose_seats, in SQL. Bits from..to-1 are the legs ridden.
    v_wanted := ((-1)::bigint << v_from) & ~((-1)::bigint << v_to);
    SELECT count(*) INTO v_free FROM trains_seat
     WHERE train_id = v_train_id AND sold_legs & v_wanted = 0 AND number <= v_total;
    IF v_free < p_seat_count THEN
        RETURN bookings_sell_seats_refusal(p_user_id, p_idempotency_key, 'insufficient_seats', v_free);
    END IF;
    v_seats := bookings_choose_seats(v_train_id, v_total, v_legs, v_from, v_to, p_seat_count);

    -- 4. Write the booking, its seat-legs (the constraint-backed guarantee) and the seat masks.
    INSERT INTO bookings_booking
        (user_id, train_id, from_position, to_position, seat_count, seat_numbers, status, created_at)
    VALUES (p_user_id, v_train_id, v_from, v_to, p_seat_count, to_jsonb(v_seats), 'confirmed', clock_timestamp())
    RETURNING id, created_at INTO v_booking_id, v_created;
    INSERT INTO bookings_seatleg (train_id, leg, seat_number, booking_id)
    SELECT v_train_id, leg, seat, v_booking_id
      FROM unnest(v_seats) AS seat, generate_series(v_from, v_to - 1) AS leg;
    UPDATE trains_seat SET sold_legs = sold_legs | v_wanted
     WHERE train_id = v_train_id AND number = ANY (v_seats);

    SELECT st.name INTO v_from_name FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
     WHERE s.train_id = v_train_id AND s.position = v_from;
    SELECT st.name INTO v_to_name FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
     WHERE s.train_id = v_train_id AND s.position = v_to;
    v_body := jsonb_build_object(
        'booking_id', v_booking_id,
        'train_number', p_train_number,
        'user_id', p_user_id,
        'source', v_from_name,
        'destination', v_to_name,
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
        UPDATE bookings_idempotencyrecord SET response_status = 201, response_body = v_body
         WHERE user_id = p_user_id AND key = p_idempotency_key;
    END IF;
    RETURN jsonb_build_object('outcome', 'booked', 'status', 201, 'body', v_body);
END;
$$;
"""

# A refusal frees the idempotency key it claimed: the caller stores the rendered refusal.
REFUSAL = r"""
CREATE OR REPLACE FUNCTION bookings_sell_seats_refusal(
    p_user_id bigint, p_idempotency_key text, p_code text, p_available integer
) RETURNS jsonb
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_idempotency_key IS NOT NULL THEN
        DELETE FROM bookings_idempotencyrecord
         WHERE user_id = p_user_id AND key = p_idempotency_key AND response_status IS NULL;
    END IF;
    RETURN jsonb_build_object('outcome', 'refused', 'code', p_code, 'available_seats', p_available);
END;
$$;
"""

# Best fit, as bookings.allocation.choose_seats: slack = free legs stranded either side of the
# segment on that seat; a run of consecutive seats with the least total slack, else the
# tightest seats singly; ties to the lowest seat number.
CHOOSE_SEATS = r"""
CREATE OR REPLACE FUNCTION bookings_choose_seats(
    p_train_id bigint, p_total integer, p_legs integer, p_from integer, p_to integer, p_count integer
) RETURNS integer[]
LANGUAGE sql STABLE
AS $$
    WITH free AS (
        SELECT number,
               -- free legs just below p_from: p_from - 1 - (highest sold leg below p_from), or p_from
               CASE WHEN below = 0 THEN p_from
                    ELSE p_from - 1 - (64 - position('1' IN below::bit(64)::text))
               END
               -- free legs from p_to on: (lowest sold leg at or above p_to) - p_to, or p_legs - p_to
             + CASE WHEN above = 0 THEN p_legs - p_to
                    ELSE (64 - position('1' IN (above & -above)::bit(64)::text)) - p_to
               END AS slack
          FROM (SELECT number,
                       sold_legs & ~((-1)::bigint << p_from) AS below,
                       sold_legs & ((-1)::bigint << p_to) AS above
                  FROM trains_seat
                 WHERE train_id = p_train_id AND number <= p_total
                   AND sold_legs & (((-1)::bigint << p_from) & ~((-1)::bigint << p_to)) = 0) AS masks
    ),
    runs AS (
        SELECT number - p_count + 1 AS first_seat,
               sum(slack) OVER w AS run_slack,
               number - lag(number, p_count - 1) OVER (ORDER BY number) AS span
          FROM free
        WINDOW w AS (ORDER BY number ROWS BETWEEN p_count - 1 PRECEDING AND CURRENT ROW)
    ),
    best_run AS (
        SELECT first_seat FROM runs
         WHERE p_count > 1 AND span = p_count - 1
         ORDER BY run_slack, first_seat
         LIMIT 1
    )
    SELECT CASE
        WHEN p_count = 1 THEN
            (SELECT ARRAY[number] FROM free ORDER BY slack, number LIMIT 1)
        WHEN EXISTS (SELECT 1 FROM best_run) THEN
            (SELECT array_agg(n ORDER BY n) FROM best_run, generate_series(first_seat, first_seat + p_count - 1) AS n)
        ELSE
            (SELECT array_agg(number ORDER BY number)
               FROM (SELECT number FROM free ORDER BY slack, number LIMIT p_count) AS tightest)
    END
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS bookings_sell_seats(bigint, integer, text, text, integer, text, text, integer);
DROP FUNCTION IF EXISTS bookings_sell_seats_refusal(bigint, text, text, integer);
DROP FUNCTION IF EXISTS bookings_choose_seats(bigint, integer, integer, integer, integer, integer);
"""


def create_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CHOOSE_SEATS, params=None)
        schema_editor.execute(REFUSAL, params=None)
        schema_editor.execute(SELL_SEATS, params=None)


def drop_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0002_initial"),
        ("trains", "0002_seat"),
    ]

    operations = [migrations.RunPython(create_functions, drop_functions)]
