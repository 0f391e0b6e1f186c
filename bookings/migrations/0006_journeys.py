"""Bookings ride a journey: a train on one start date, whose seats are sold apart from other dates.

Bookings and the seats they hold gain `journey_date`; those made before journeys existed ride
the journey that trains 0004 gave their train (the day the migrations ran). The guarantee
against double sale becomes per journey: same journey, same seat, overlapping legs.

bookings_sell_seats() gains the journey date and the booking window (today and the horizon,
from the caller). It locks the journey's row instead of the train's, so sales on different
dates of one train no longer wait on each other, and creates the journey with its seats on
its first sale, under a share lock on the train. Route and seat-count changes lock the train
and every journey of it (trains.services), so a sale never reads a route being replaced.
"""

import datetime
import importlib

from django.db import migrations, models
from django.utils import timezone

PREVIOUS = importlib.import_module("bookings.migrations.0005_seat_cap_per_user")
BOOKING_SEATS = importlib.import_module("bookings.migrations.0004_booking_seats")

SELL_SEATS = r"""
CREATE OR REPLACE FUNCTION bookings_sell_seats(
    p_user_id bigint,
    p_train_number integer,
    p_journey_date date,        -- the date the train leaves its first station
    p_source_key text,          -- station key (trimmed, case-folded) or NULL for the origin
    p_destination_key text,     -- station key or NULL for the terminus
    p_seat_count integer,
    p_idempotency_key text,     -- NULL when the request carries none
    p_fingerprint text,
    p_key_ttl_hours integer,
    p_seat_cap integer,         -- most confirmed seats one user may hold on the journey
    p_today date,               -- today in the service's time zone
    p_horizon_days integer      -- the last bookable start date is p_today + p_horizon_days
) RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_record record;
    v_train record;
    v_locked boolean;
    v_source_name text;
    v_destination_name text;
    v_boarding interval;
    v_board_date date;
    v_runs boolean;
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
    -- 1. The train, unlocked: sales lock its journeys, and route changes lock both (see above).
    SELECT id, departs_at, runs_on, service_from, service_until INTO v_train
      FROM trains_train WHERE train_number = p_train_number;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'train_not_found');
    END IF;

    -- Twice at most: a journey's first sale checks the request, creates the journey with its
    -- seats, and goes round again to lock it and check the request against what it locked.
    LOOP
        -- 2. The journey lock, the only lock a sale takes; everything after it reads current data.
        PERFORM 1 FROM trains_journey WHERE train_id = v_train.id AND date = p_journey_date
            FOR NO KEY UPDATE;
        v_locked := FOUND;

        -- 3. The idempotency key. A retry repeats its body, so its journey: it queues on the lock
        -- above behind the first request and finds here the record that request committed. A key
        -- reused for another journey races only to the insert at the end, where the unique index
        -- refuses it.
        IF v_locked AND p_idempotency_key IS NOT NULL THEN
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

        -- 4. The segment, from the two stops asked for: an index probe each, not the whole route.
        -- A station missing from the route leaves its position NULL, reported as -1 below.
        v_from := NULL;
        v_to := NULL;
        SELECT max(position) INTO v_legs FROM trains_stop WHERE train_id = v_train.id;
        IF p_source_key IS NULL THEN
            SELECT s.position, st.name, coalesce(s.departure, s.arrival, interval '0')
              INTO v_from, v_source_name, v_boarding
              FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
             WHERE s.train_id = v_train.id AND s.position = 0;
        ELSE
            SELECT s.position, st.name, coalesce(s.departure, s.arrival, interval '0')
              INTO v_from, v_source_name, v_boarding
              FROM trains_station st JOIN trains_stop s ON s.station_id = st.id AND s.train_id = v_train.id
             WHERE st.key = p_source_key;
        END IF;
        IF p_destination_key IS NULL THEN
            SELECT s.position, st.name INTO v_to, v_destination_name
              FROM trains_stop s JOIN trains_station st ON st.id = s.station_id
             WHERE s.train_id = v_train.id AND s.position = v_legs;
        ELSE
            SELECT s.position, st.name INTO v_to, v_destination_name
              FROM trains_station st JOIN trains_stop s ON s.station_id = st.id AND s.train_id = v_train.id
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

        -- 5. The booking window, as bookings.services.journey_window_check: the passenger boards
        -- today or later, the journey starts within the horizon, on a date the train runs.
        v_board_date := p_journey_date
            + floor(extract(epoch FROM (v_train.departs_at - time '00:00') + v_boarding) / 86400)::integer;
        IF v_board_date < p_today THEN
            RETURN jsonb_build_object('outcome', 'refused', 'code', 'journey_date_past',
                                      'boarding_date', v_board_date);
        ELSIF p_journey_date > p_today + p_horizon_days THEN
            RETURN jsonb_build_object('outcome', 'refused', 'code', 'journey_date_beyond_horizon');
        END IF;
        SELECT runs INTO v_runs FROM trains_serviceexception
         WHERE train_id = v_train.id AND date = p_journey_date;
        IF v_runs IS NULL THEN
            v_runs := (v_train.service_from IS NULL OR p_journey_date >= v_train.service_from)
                  AND (v_train.service_until IS NULL OR p_journey_date <= v_train.service_until)
                  AND (v_train.runs_on >> (extract(isodow FROM p_journey_date)::integer - 1)) & 1 = 1;
        END IF;
        IF NOT v_runs THEN
            RETURN jsonb_build_object('outcome', 'refused', 'code', 'train_not_running');
        END IF;

        EXIT WHEN v_locked;

        -- 6. The journey's first sale: the journey and a seat row per seat of the train. The
        -- share lock on the train, held to commit, makes a route or seat-count change wait (and
        -- this wait for one); sales of other journeys take no lock on the train. A sale racing to
        -- create the same journey waits on its primary key until this one commits, and then
        -- finds the journey on its next round.
        PERFORM 1 FROM trains_train WHERE id = v_train.id FOR SHARE;
        INSERT INTO trains_journey (train_id, date, created_at)
        VALUES (v_train.id, p_journey_date, now())
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            INSERT INTO trains_seat (train_id, journey_date, number, sold_legs)
            SELECT v_train.id, p_journey_date, number, 0
              FROM trains_train, generate_series(1, total_seats) AS number
             WHERE id = v_train.id;
        END IF;
    END LOOP;

    -- 7. The per-user seat cap. Counted under the journey lock: the same user's racing sale
    -- waits on that lock, and this statement then sees the seats it committed.
    SELECT coalesce(sum(seat_count), 0) INTO v_held
      FROM bookings_booking
     WHERE train_id = v_train.id AND user_id = p_user_id AND journey_date = p_journey_date
       AND status = 'confirmed';
    IF v_held + p_seat_count > p_seat_cap THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'seat_cap_reached', 'seats_held', v_held);
    END IF;

    -- 8. The seats, as bookings.allocation.choose_seats chooses them. Legs from..to-1 are ridden.
    -- Every candidate is read in seat order from the primary key; bookings_seat_slack() is
    -- inlined into each query.
    v_wanted := ((-1)::bigint << v_from) & ~((-1)::bigint << v_to);
    IF v_from = 0 AND v_to = v_legs THEN
        -- The whole route: a free seat is one with no leg sold, and no such seat has any slack,
        -- so the choice is by seat number alone. The primary key gives the seats in that order
        -- and the scan stops at the first fit: no slack computed, nothing sorted.
        IF p_seat_count = 1 THEN
            SELECT number INTO v_first FROM trains_seat
             WHERE train_id = v_train.id AND journey_date = p_journey_date AND sold_legs = 0
             ORDER BY number LIMIT 1;
            v_free := CASE WHEN v_first IS NULL THEN 0 ELSE 1 END;
            v_seats := ARRAY[v_first];
        ELSE
            SELECT number - p_seat_count + 1 INTO v_first
              FROM (SELECT number, number - lag(number, p_seat_count - 1) OVER (ORDER BY number) AS span
                      FROM trains_seat
                     WHERE train_id = v_train.id AND journey_date = p_journey_date AND sold_legs = 0) AS runs
             WHERE span = p_seat_count - 1
             ORDER BY number
             LIMIT 1;
            IF v_first IS NOT NULL THEN
                v_free := p_seat_count;
                v_seats := ARRAY(SELECT generate_series(v_first, v_first + p_seat_count - 1));
            ELSE
                -- No run is free: the lowest-numbered free seats singly, if there are enough.
                SELECT count(*) INTO v_free FROM trains_seat
                 WHERE train_id = v_train.id AND journey_date = p_journey_date AND sold_legs = 0;
                v_seats := ARRAY(SELECT number FROM trains_seat
                                  WHERE train_id = v_train.id AND journey_date = p_journey_date AND sold_legs = 0
                                  ORDER BY number LIMIT p_seat_count);
            END IF;
        END IF;
    ELSIF p_seat_count = 1 THEN
        -- The tightest free seat; none found means none is free.
        SELECT number INTO v_first
          FROM trains_seat
         WHERE train_id = v_train.id AND journey_date = p_journey_date AND sold_legs & v_wanted = 0
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
                         WHERE train_id = v_train.id AND journey_date = p_journey_date
                           AND sold_legs & v_wanted = 0) AS free
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
              FROM trains_seat
             WHERE train_id = v_train.id AND journey_date = p_journey_date AND sold_legs & v_wanted = 0;
            IF v_free >= p_seat_count THEN
                SELECT array_agg(number ORDER BY number) INTO v_seats
                  FROM (SELECT number FROM trains_seat
                         WHERE train_id = v_train.id AND journey_date = p_journey_date
                           AND sold_legs & v_wanted = 0
                         ORDER BY bookings_seat_slack(sold_legs, v_from, v_to, v_legs), number
                         LIMIT p_seat_count) AS tightest;
            END IF;
        END IF;
    END IF;
    IF v_free < p_seat_count THEN
        RETURN jsonb_build_object('outcome', 'refused', 'code', 'insufficient_seats', 'available_seats', v_free);
    END IF;

    -- 9. One statement writes the booking, its seats (which bookingseat_no_double_sale guards)
    -- and the seat masks.
    WITH booking AS (
        INSERT INTO bookings_booking
            (user_id, train_id, journey_date, from_position, to_position, seat_count, seat_numbers,
             status, created_at)
        VALUES (p_user_id, v_train.id, p_journey_date, v_from, v_to, p_seat_count, to_jsonb(v_seats),
                'confirmed', clock_timestamp())
        RETURNING id, created_at
    ),
    seats_held AS (
        INSERT INTO bookings_bookingseat
            (booking_id, seat_number, train_id, journey_date, from_position, to_position)
        SELECT booking.id, seat, v_train.id, p_journey_date, v_from, v_to FROM booking, unnest(v_seats) AS seat
    ),
    masks AS (
        UPDATE trains_seat SET sold_legs = sold_legs | v_wanted
         WHERE train_id = v_train.id AND journey_date = p_journey_date AND number = ANY (v_seats)
    )
    SELECT id, created_at INTO v_booking_id, v_created FROM booking;

    v_body := jsonb_build_object(
        'booking_id', v_booking_id,
        'train_number', p_train_number,
        'journey_date', to_char(p_journey_date, 'YYYY-MM-DD'),
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

OLD_SIGNATURE = PREVIOUS.NEW_SIGNATURE
NEW_SIGNATURE = (
    "bookings_sell_seats(bigint, integer, date, text, text, integer, text, text, integer, integer, date, integer)"
)

# One bigint for the journey and the seat, beside the legs: a GiST index over three equality
# columns lets an insertion order that piles one train's seats together widen the other
# columns' bounds until a probe reads dozens of pages; one key keeps journeys apart. The
# check constraint bookingseat_journey_seat_key_in_range keeps every part within its bits.
POSTGRESQL_GUARANTEE = """
ALTER TABLE bookings_bookingseat ADD CONSTRAINT bookingseat_no_double_sale
    EXCLUDE USING gist (
        ((train_id << 32) | ((journey_date - DATE '2000-01-01')::bigint << 14) | seat_number::bigint) WITH =,
        int4range(from_position, to_position) WITH &&
    )
"""

SQLITE_GUARANTEE = [
    "CREATE INDEX bookingseat_journey_seat ON bookings_bookingseat (train_id, journey_date, seat_number)",
    """
    CREATE TRIGGER bookingseat_no_double_sale_insert BEFORE INSERT ON bookings_bookingseat
    WHEN EXISTS (
        SELECT 1 FROM bookings_bookingseat
         WHERE train_id = NEW.train_id AND journey_date = NEW.journey_date AND seat_number = NEW.seat_number
           AND from_position < NEW.to_position AND NEW.from_position < to_position
    )
    BEGIN SELECT RAISE(ABORT, 'bookingseat_no_double_sale'); END
    """,
    """
    CREATE TRIGGER bookingseat_no_double_sale_update
    BEFORE UPDATE OF train_id, journey_date, seat_number, from_position, to_position ON bookings_bookingseat
    WHEN EXISTS (
        SELECT 1 FROM bookings_bookingseat
         WHERE train_id = NEW.train_id AND journey_date = NEW.journey_date AND seat_number = NEW.seat_number
           AND from_position < NEW.to_position AND NEW.from_position < to_position
           AND NOT (booking_id = OLD.booking_id AND seat_number = OLD.seat_number)
    )
    BEGIN SELECT RAISE(ABORT, 'bookingseat_no_double_sale'); END
    """,
]

SQLITE_GUARANTEE_DROP = [
    "DROP TRIGGER IF EXISTS bookingseat_no_double_sale_update",
    "DROP TRIGGER IF EXISTS bookingseat_no_double_sale_insert",
    "DROP INDEX IF EXISTS bookingseat_journey_seat",
]


def journey_dates_fill(apps, schema_editor):
    # Every train with bookings got one journey in trains 0004: the bookings ride it.
    Journey = apps.get_model("trains", "Journey")
    Booking = apps.get_model("bookings", "Booking")
    BookingSeat = apps.get_model("bookings", "BookingSeat")
    for train_id, date in Journey.objects.values_list("train_id", "date"):
        Booking.objects.filter(train_id=train_id, journey_date__isnull=True).update(journey_date=date)
        BookingSeat.objects.filter(train_id=train_id, journey_date__isnull=True).update(journey_date=date)
    # None should be left; should one be, it rides today's journey rather than none.
    today = timezone.localdate()
    Booking.objects.filter(journey_date__isnull=True).update(journey_date=today)
    BookingSeat.objects.filter(journey_date__isnull=True).update(journey_date=today)


def guarantee_per_journey(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE bookings_bookingseat DROP CONSTRAINT bookingseat_no_double_sale")
        schema_editor.execute(POSTGRESQL_GUARANTEE)
    else:
        for statement in BOOKING_SEATS.SQLITE_GUARANTEE_DROP + SQLITE_GUARANTEE:
            schema_editor.execute(statement)


def guarantee_per_train(apps, schema_editor):
    # On SQLite the triggers are recreated by sqlite_guarantee_per_train, once the table has
    # been rebuilt without journey_date (a rebuild drops a table's triggers).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE bookings_bookingseat DROP CONSTRAINT bookingseat_no_double_sale")
        schema_editor.execute(BOOKING_SEATS.POSTGRESQL_GUARANTEE)
    else:
        for statement in SQLITE_GUARANTEE_DROP:
            schema_editor.execute(statement)


def sqlite_guarantee_per_train(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in BOOKING_SEATS.SQLITE_GUARANTEE_DROP + BOOKING_SEATS.SQLITE_GUARANTEE:
            schema_editor.execute(statement)


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
        ("bookings", "0005_seat_cap_per_user"),
        ("trains", "0004_journeys"),
    ]

    operations = [
        # Backwards only, and last: see guarantee_per_train.
        migrations.RunPython(migrations.RunPython.noop, sqlite_guarantee_per_train),
        migrations.AddField(model_name="booking", name="journey_date", field=models.DateField(null=True)),
        migrations.AddField(model_name="bookingseat", name="journey_date", field=models.DateField(null=True)),
        migrations.RunPython(journey_dates_fill, migrations.RunPython.noop),
        migrations.AlterField(model_name="booking", name="journey_date", field=models.DateField()),
        migrations.AlterField(model_name="bookingseat", name="journey_date", field=models.DateField()),
        migrations.AddConstraint(
            model_name="bookingseat",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("journey_date__gte", datetime.date(2000, 1, 1)),
                    ("journey_date__lte", datetime.date(2717, 9, 22)),
                    ("seat_number__lt", 2**14),
                    ("train_id__lt", 2**31),
                ),
                name="bookingseat_journey_seat_key_in_range",
            ),
        ),
        migrations.RunPython(guarantee_per_journey, guarantee_per_train),
        migrations.RunPython(sell_seats_replace, sell_seats_restore),
    ]
