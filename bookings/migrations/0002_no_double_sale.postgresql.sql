-- No seat of a journey is sold twice on any leg: two BookingSeat rows of the same journey and
-- seat may not share a leg. The journey and the seat are one bigint (train id, days since
-- 2000-01-01, seat number; bookingseat_journey_seat_key_in_range keeps each part within its
-- bits) so that the GiST index keeps each journey's seats together whatever order they are
-- sold in.
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE bookings_bookingseat ADD CONSTRAINT bookingseat_no_double_sale
    EXCLUDE USING gist (
        ((train_id << 32) | ((journey_date - DATE '2000-01-01')::bigint << 14) | seat_number::bigint) WITH =,
        int4range(from_position, to_position) WITH &&
    );
