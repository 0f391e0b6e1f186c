-- No seat of a journey is sold twice on any leg: SQLite has no exclusion constraint, so two
-- triggers refuse a BookingSeat row that would share a leg with another of the same journey
-- and seat.
CREATE INDEX bookingseat_journey_seat ON bookings_bookingseat (train_id, journey_date, seat_number);

CREATE TRIGGER bookingseat_no_double_sale_insert BEFORE INSERT ON bookings_bookingseat
WHEN EXISTS (
    SELECT 1 FROM bookings_bookingseat
     WHERE train_id = NEW.train_id AND journey_date = NEW.journey_date AND seat_number = NEW.seat_number
       AND from_position < NEW.to_position AND NEW.from_position < to_position
)
BEGIN SELECT RAISE(ABORT, 'bookingseat_no_double_sale'); END;

CREATE TRIGGER bookingseat_no_double_sale_update
BEFORE UPDATE OF train_id, journey_date, seat_number, from_position, to_position ON bookings_bookingseat
WHEN EXISTS (
    SELECT 1 FROM bookings_bookingseat
     WHERE train_id = NEW.train_id AND journey_date = NEW.journey_date AND seat_number = NEW.seat_number
       AND from_position < NEW.to_position AND NEW.from_position < to_position
       AND NOT (booking_id = OLD.booking_id AND seat_number = OLD.seat_number)
)
BEGIN SELECT RAISE(ABORT, 'bookingseat_no_double_sale'); END;
