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
    v_keys text[];
    v_names text[];
    v_legs integer;
    v_from integer;
    v_to integer;
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

    -- The route, as station keys and names by position (arrays are 1-based: position + 1).
    SELECT array_agg(st.key ORDER BY s.position), array_agg(st.name ORDER BY s.position)
      INTO v_keys, v_names
      FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
     WHERE s.train_id = v_train_id;
    v_legs := cardinality(v_keys) - 1;
    v_from := coalesce(array_position(v_keys, p_source_key), 0) - 1;
    v_to := coalesce(array_position(v_keys, p_destination_key), 0) - 1;
    IF p_source_key IS NULL THEN
        v_from := 0;
    ELSIF v_from < 0 THEN
        RETURN bookings_sell_seats_refusal(p_user_id, p_idempotency_key, 'source_not_on_route', NULL);
    END IF;
    IF p_destination_key IS NULL THEN
        v_to := v_legs;
    ELSIF v_to < 0 THEN
        RETURN bookings_sell_seats_refusal(p_user_id, p_idempotency_key, 'destination_not_on_route', NULL);
    END IF;
    IF v_from = v_to THEN
        RETURN bookings_sell_seats_refusal(p_user_id, p_idempotency_key, 'same_station', NULL);
    ELSIF v_from > v_to THEN
        RETURN bookings_sell_seats_refusal(p_user_id, p_idempotency_key, 'wrong_order', NULL);
    END IF;

    -- 3. Choose seats: bookings.allocation.choose_seats. Bits from..to-1 are the legs ridden.
    v_wanted := ((-1)::bigint << v_from) & ~((-1)::bigint << v_to);
    SELECT seats, free INTO v_seats, v_free
      FROM bookings_choose_seats(v_train_id, v_total, v_legs, v_from, v_to, p_seat_count);
    IF v_seats IS NULL THEN
        RETURN bookings_sell_seats_refusal(p_user_id, p_idempotency_key, 'insufficient_seats', v_free);
    END IF;

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
# segment on that seat; for a group, the run of consecutive seats with the least total slack,
# else the tightest seats singly; ties to the lowest seat number. Returns NULL seats (and the
# number of free seats) when too few are free. PL/pgSQL, so that its plans are cached per
# connection. Slack comes from the mask with exact bit arithmetic on bit(64) strings, whose
# first character is bit 63: the highest sold leg below `from` is 64 - position('1'), and the
# lowest sold leg from `to` on is found the same way after isolating it (above & -above).
CHOOSE_SEATS = r"""
CREATE OR REPLACE FUNCTION bookings_choose_seats(
    p_train_id bigint, p_total integer, p_legs integer, p_from integer, p_to integer, p_count integer,
    OUT seats integer[], OUT free integer
)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_wanted bigint := ((-1)::bigint << p_from) & ~((-1)::bigint << p_to);
    v_below_mask bigint := ~((-1)::bigint << p_from);
    v_above_mask bigint := (-1)::bigint << p_to;
    v_numbers integer[];
    v_slacks integer[];
    v_first integer;
BEGIN
    SELECT array_agg(number ORDER BY number), array_agg(slack ORDER BY number)
      INTO v_numbers, v_slacks
      FROM (
        SELECT number,
               CASE WHEN below = 0 THEN p_from
                    ELSE p_from - 65 + position(B'1' IN below::bit(64)) END
             + CASE WHEN above = 0 THEN p_legs - p_to
                    ELSE 64 - position(B'1' IN (above & -above)::bit(64)) - p_to END AS slack
          FROM (SELECT number, sold_legs & v_below_mask AS below, sold_legs & v_above_mask AS above
                  FROM trains_seat
                 WHERE train_id = p_train_id AND number <= p_total AND sold_legs & v_wanted = 0) AS masks
      ) AS candidates;
    free := coalesce(cardinality(v_numbers), 0);
    IF free < p_count THEN
        RETURN;
    END IF;
    IF p_count = 1 THEN
        SELECT ARRAY[n] INTO seats
          FROM unnest(v_numbers, v_slacks) AS c(n, slack)
         ORDER BY slack, n LIMIT 1;
        RETURN;
    END IF;
    SELECT first_seat INTO v_first
      FROM (SELECT n - p_count + 1 AS first_seat,
                   sum(slack) OVER w AS run_slack,
                   n - lag(n, p_count - 1) OVER (ORDER BY n) AS span
              FROM unnest(v_numbers, v_slacks) AS c(n, slack)
            WINDOW w AS (ORDER BY n ROWS BETWEEN p_count - 1 PRECEDING AND CURRENT ROW)) AS runs
     WHERE span = p_count - 1
     ORDER BY run_slack, first_seat
     LIMIT 1;
    IF FOUND THEN
        seats := ARRAY(SELECT generate_series(v_first, v_first + p_count - 1));
    ELSE
        seats := ARRAY(SELECT n FROM (SELECT n FROM unnest(v_numbers, v_slacks) AS c(n, slack)
                                       ORDER BY slack, n LIMIT p_count) AS tightest ORDER BY n);
    END IF;
END;
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
