"""One row per seat a booking holds, instead of one per seat and leg.

A sale used to write a SeatLeg row for every seat and every leg ridden (19 per seat on a
whole 20-stop route); it now writes one BookingSeat row per seat, holding the booking's
segment. The guarantee against selling a seat twice on a leg moves from SeatLeg's primary
key to bookingseat_no_double_sale: an exclusion constraint on PostgreSQL (btree_gist), and
on SQLite triggers that refuse an overlapping row, with an index for their lookup.
bookings_sell_seats() writes the new rows and finds the segment's two stops by index
instead of reading the whole route.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

PREVIOUS = importlib.import_module("bookings.migrations.0003_sell_seats_function")

# A seat's slack for a segment: the free legs a sale would strand on it, below `from` down to
# its highest sold leg there and from `to` up to its lowest sold leg there (or the route's
# ends). bit(64) strings start with bit 63, so a sold leg's index is 64 - position('1').
# One SQL expression, so that the planner inlines it into the queries that sort by it.
SEAT_SLACK = r"""
CREATE OR REPLACE FUNCTION bookings_seat_slack(p_sold bigint, p_from integer, p_to integer, p_legs integer)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN p_sold & ~((-1)::bigint << p_from) = 0 THEN p_from
                ELSE p_from - 65 + position(B'1' IN (p_sold & ~((-1)::bigint << p_from))::bit(64)) END
         + CASE WHEN p_sold & ((-1)::bigint << p_to) = 0 THEN p_legs - p_to
                ELSE 64 - position(B'1' IN (p_sold & ((-1)::bigint << p_to) & -(p_sold & ((-1)::bigint << p_to)))::bit(64))
                     - p_to END
$$;
"""

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
    v_source_name text;
    v_destination_name text;
    v_legs integer;
    v_from integer;
    v_to integer;
    v_wanted bigint;
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

    -- 4. The seats, as bookings.allocation.choose_seats chooses them. Legs from..to-1 are ridden.
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

    -- 5. One statement writes the booking, its seats (which bookingseat_no_double_sale guards)
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

SQLITE_GUARANTEE = [
    "CREATE INDEX bookingseat_train_seat ON bookings_bookingseat (train_id, seat_number)",
    """
    CREATE TRIGGER bookingseat_no_double_sale_insert BEFORE INSERT ON bookings_bookingseat
    WHEN EXISTS (
        SELECT 1 FROM bookings_bookingseat
         WHERE train_id = NEW.train_id AND seat_number = NEW.seat_number
           AND from_position < NEW.to_position AND NEW.from_position < to_position
    )
    BEGIN SELECT RAISE(ABORT, 'bookingseat_no_double_sale'); END
    """,
    """
    CREATE TRIGGER bookingseat_no_double_sale_update
    BEFORE UPDATE OF train_id, seat_number, from_position, to_position ON bookings_bookingseat
    WHEN EXISTS (
        SELECT 1 FROM bookings_bookingseat
         WHERE train_id = NEW.train_id AND seat_number = NEW.seat_number
           AND from_position < NEW.to_position AND NEW.from_position < to_position
           AND NOT (booking_id = OLD.booking_id AND seat_number = OLD.seat_number)
    )
    BEGIN SELECT RAISE(ABORT, 'bookingseat_no_double_sale'); END
    """,
]

SQLITE_GUARANTEE_DROP = [
    "DROP TRIGGER IF EXISTS bookingseat_no_double_sale_update",
    "DROP TRIGGER IF EXISTS bookingseat_no_double_sale_insert",
    "DROP INDEX IF EXISTS bookingseat_train_seat",
]

POSTGRESQL_GUARANTEE = """
ALTER TABLE bookings_bookingseat ADD CONSTRAINT bookingseat_no_double_sale
    EXCLUDE USING gist (train_id WITH =, seat_number WITH =, int4range(from_position, to_position) WITH &&)
"""


def btree_gist_create(apps, schema_editor):
    # Equality on plain columns inside a GiST index, for the exclusion constraint. A trusted
    # extension: the database's owner may create it without being a superuser.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")


def seat_legs_to_seats_held(apps, schema_editor):
    # A booking holds each of its seats on a contiguous run of legs.
    schema_editor.execute(
        """
        INSERT INTO bookings_bookingseat (booking_id, seat_number, train_id, from_position, to_position)
        SELECT booking_id, seat_number, MIN(train_id), MIN(leg), MAX(leg) + 1
          FROM bookings_seatleg GROUP BY booking_id, seat_number
        """
    )


def seats_held_to_seat_legs(apps, schema_editor):
    BookingSeat = apps.get_model("bookings", "BookingSeat")
    SeatLeg = apps.get_model("bookings", "SeatLeg")
    SeatLeg.objects.bulk_create(
        SeatLeg(train_id=held.train_id, leg=leg, seat_number=held.seat_number, booking_id=held.booking_id)
        for held in BookingSeat.objects.iterator()
        for leg in range(held.from_position, held.to_position)
    )


def guarantee_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_GUARANTEE)
    else:
        for statement in SQLITE_GUARANTEE:
            schema_editor.execute(statement)


def guarantee_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE bookings_bookingseat DROP CONSTRAINT bookingseat_no_double_sale")
    else:
        for statement in SQLITE_GUARANTEE_DROP:
            schema_editor.execute(statement)


def sell_seats_replace(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEAT_SLACK, params=None)
        schema_editor.execute(SELL_SEATS, params=None)


def sell_seats_restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS.SELL_SEATS, params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS bookings_seat_slack(bigint, integer, integer, integer)")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_sell_seats_function"),
        ("trains", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(btree_gist_create, migrations.RunPython.noop),
        migrations.CreateModel(
            name="BookingSeat",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "booking",
                        "seat_number",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("seat_number", models.PositiveSmallIntegerField()),
                ("from_position", models.PositiveSmallIntegerField()),
                ("to_position", models.PositiveSmallIntegerField()),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="seats_held",
                        to="bookings.booking",
                    ),
                ),
                (
                    "train",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="trains.train",
                    ),
                ),
            ],
        ),
        migrations.RunPython(seat_legs_to_seats_held, seats_held_to_seat_legs),
        migrations.DeleteModel(
            name="SeatLeg",
        ),
        migrations.AddConstraint(
            model_name="bookingseat",
            constraint=models.CheckConstraint(
                condition=models.Q(("seat_number__gte", 1)), name="bookingseat_seat_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="bookingseat",
            constraint=models.CheckConstraint(
                condition=models.Q(("from_position__lt", models.F("to_position")), ("to_position__lt", 64)),
                name="bookingseat_segment_forward",
            ),
        ),
        migrations.RunPython(guarantee_create, guarantee_drop),
        migrations.RunPython(sell_seats_replace, sell_seats_restore),
    ]
