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
    v_record record;
    v_train_id bigint;
    v_total integer;
    v_keys text[];
    v_names text[];
    v_legs integer;
    v_from integer;
    v_to integer;
    v_wanted bigint;
    v_below bigint;
    v_above bigint;
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

    -- 3. The segment: the route as station keys and names by position (arrays are 1-based).
    SELECT array_agg(st.key ORDER BY s.position), array_agg(st.name ORDER BY s.position)
      INTO v_keys, v_names
      FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
     WHERE s.train_id = v_train_id;
    v_legs := cardinality(v_keys) - 1;
    v_from := CASE WHEN p_source_key IS NULL THEN 0
                   ELSE coalesce(array_position(v_keys, p_source_key), 0) - 1 END;
    v_to := CASE WHEN p_destination_key IS NULL THEN v_legs
                 ELSE coalesce(array_position(v_keys, p_destination_key), 0) - 1 END;
    IF v_from < 0 THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'source_not_on_route');
    ELSIF v_to < 0 THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'destination_not_on_route');
    ELSIF v_from = v_to THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'same_station');
    ELSIF v_from > v_to THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'wrong_order');
    END IF;

    -- 4. The seats, as bookings.allocation.choose_seats chooses them. Legs from..to-1 are ridden.
    -- A seat's slack is the free legs it would strand: below `from` down to its highest sold
    -- leg there, and from `to` up to its lowest sold leg there (or the route's ends). bit(64)
    -- strings start with bit 63, so a sold leg's index is 64 - position('1').
    v_wanted := ((-1)::bigint << v_from) & ~((-1)::bigint << v_to);
    v_below := ~((-1)::bigint << v_from);
    v_above := (-1)::bigint << v_to;
    IF p_seat_count = 1 THEN
        SELECT number, count(*) OVER () INTO v_first, v_free
          FROM trains_seat,
               LATERAL (SELECT sold_legs & v_below AS below, sold_legs & v_above AS above) AS parts
         WHERE train_id = v_train_id AND sold_legs & v_wanted = 0
         ORDER BY CASE WHEN below = 0 THEN v_from ELSE v_from - 65 + position(B'1' IN below::bit(64)) END
                + CASE WHEN above = 0 THEN v_legs - v_to
                       ELSE 64 - position(B'1' IN (above & -above)::bit(64)) - v_to END,
                  number
         LIMIT 1;
        v_seats := ARRAY[v_first];
    ELSE
        -- A run of adjacent seats with the least total slack, else the tightest seats singly.
        WITH free AS MATERIALIZED (
            SELECT number,
                   CASE WHEN below = 0 THEN v_from ELSE v_from - 65 + position(B'1' IN below::bit(64)) END
                 + CASE WHEN above = 0 THEN v_legs - v_to
                        ELSE 64 - position(B'1' IN (above & -above)::bit(64)) - v_to END AS slack
              FROM trains_seat,
                   LATERAL (SELECT sold_legs & v_below AS below, sold_legs & v_above AS above) AS parts
             WHERE train_id = v_train_id AND sold_legs & v_wanted = 0
        ),
        runs AS (
            SELECT number - p_seat_count + 1 AS first_seat,
                   sum(slack) OVER w AS run_slack,
                   number - lag(number, p_seat_count - 1) OVER (ORDER BY number) AS span
              FROM free
            WINDOW w AS (ORDER BY number ROWS BETWEEN p_seat_count - 1 PRECEDING AND CURRENT ROW)
        )
        SELECT (SELECT count(*) FROM free),
               (SELECT first_seat FROM runs WHERE span = p_seat_count - 1
                 ORDER BY run_slack, first_seat LIMIT 1),
               (SELECT array_agg(number ORDER BY number)
                  FROM (SELECT number FROM free ORDER BY slack, number LIMIT p_seat_count) AS tightest)
          INTO v_free, v_first, v_seats;
        IF v_first IS NOT NULL THEN
            v_seats := ARRAY(SELECT generate_series(v_first, v_first + p_seat_count - 1));
        END IF;
    END IF;
    v_free := coalesce(v_free, 0);
    IF v_free < p_seat_count THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'insufficient_seats', 'available_seats', v_free);
    END IF;

    -- 5. One statement writes the booking, its seat-legs (the constraint-backed guarantee) and
    -- the seat masks.
    WITH booking AS (
        INSERT INTO bookings_booking
            (user_id, train_id, from_position, to_position, seat_count, seat_numbers, status, created_at)
        VALUES (p_user_id, v_train_id, v_from, v_to, p_seat_count, to_jsonb(v_seats), 'confirmed',
                clock_timestamp())
        RETURNING id, created_at
    ),
    seat_legs AS (
        INSERT INTO bookings_seatleg (train_id, leg, seat_number, booking_id)
        SELECT v_train_id, leg, seat, booking.id
          FROM booking, unnest(v_seats) AS seat, generate_series(v_from, v_to - 1) AS leg
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
        'source', v_names[v_from + 1],
        'destination', v_names[v_to + 1],
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

DROP = """
DROP FUNCTION IF EXISTS bookings_sell_seats(bigint, integer, text, text, integer, text, text, integer);
"""


def create_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SELL_SEATS, params=None)


def drop_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0002_initial"),
        ("trains", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_functions, drop_functions)]
