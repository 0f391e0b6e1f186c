"""A journey's seat inventory: its lock, its free stretches, and the only code that writes them.

Locking contract
----------------
* Seats are sold per journey: a train on one start date (``Journey``). Every change to a
  journey's seats (a sale, a cancellation, a repair) runs in one transaction that first takes
  the journey's row lock, with ``sale_lock`` for a sale and ``journey_lock`` otherwise
  (``SELECT ... FOR NO KEY UPDATE``, so that foreign-key checks of unrelated inserts are not
  blocked; on SQLite the IMMEDIATE transaction holds the database's write lock instead). It is
  taken before any read of the inventory, and held while the seats are chosen and written: a
  handful of short statements, no network call. Sales on different dates of one train never
  wait on each other. Before it, a sale locks its buyer's row (``sale_lock``) the same way, so
  that one user's sales on different journeys count each other's seats against the cap across
  journeys; no other lock is taken before the journey's.
* A journey's first sale creates it with its free stretches (``journey_open``) and then
  locks it. The creation holds a share lock on the train row until it commits; changes to a
  train's route or seat count (bookings.network_changes) lock the train row and then every
  journey of it, so they wait for the sales in flight and hold off new ones, the creation
  of a journey included. A sale racing to create the same journey waits on its primary key.
* The lock makes choosing seats race-free. The guarantee does not rest on it: BookingSeat's
  ``bookingseat_no_double_sale`` (an exclusion constraint on PostgreSQL, triggers on SQLite)
  makes the database refuse any seat sold twice on a leg of a journey, whatever a bug or a
  second app server does.
* A lock that cannot be had within the database's ``lock_timeout`` fails the request with
  503 and Retry-After (railway.api) instead of hanging it; the transaction rolls back whole.

Free stretches are derived data: ``journey_inventory_check`` recomputes a journey's from its
BookingSeat rows, and ``journey_inventory_repair`` rewrites them.
"""

import dataclasses
import datetime
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from bookings.allocation import (
    NEED_MORE,
    Candidate,
    choose_seats,
    free_stretches,
    in_one_coach,
    party_seats,
    stretches_left,
)
from bookings.errors import InsufficientSeats
from bookings.models import JOURNEY_SEAT_KEY_SEATS, Booking, BookingSeat, FreeStretch, Journey, Passenger
from railway.db.statements import Statement, Writes, rows_of_last
from trains.models import Stop, Train

# How many of the tightest candidates a group's first look reads, per seat of the group.
GROUP_FIRST_LOOK = 4
# How many of the tightest candidates a party with preferences weighs: every seat of a class of
# a few coaches, and no more than a bounded read under the lock on a train of thousands of seats.
PREFERENCE_LOOK = 512

# The train-wide seat numbers (first, last) of a class's coaches; none for every seat of the train.
SeatRanges = tuple[tuple[int, int], ...]


# The hot path's statements are SQL texts, the same on both databases: composing them with the
# ORM cost more than running them. FOR NO KEY UPDATE is PostgreSQL's; on SQLite the IMMEDIATE
# transaction already holds the database's only write lock.
_JOURNEY_LOCK = "SELECT 1 FROM bookings_journey WHERE train_id = %s AND date = %s"


def journey_lock(*, train_id: int, journey_date: datetime.date) -> Journey | None:
    """Lock the journey of the train on `journey_date`; None if it has none yet."""
    sql = _JOURNEY_LOCK + (" FOR NO KEY UPDATE" if connection.vendor == "postgresql" else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [train_id, journey_date])
        found = cursor.fetchone() is not None
    return Journey(train_id=train_id, date=journey_date) if found else None


class TrainWithdrawn(Exception):
    """The train was withdrawn (by a timetable import) after the sale had read it."""


class CoachesChanged(Exception):
    """The train's coaches changed (an edit in the admin) after the sale had read them."""


def coaches_fingerprint(coaches: Sequence) -> str | None:
    """Return a train's coaches in order (each with coach, travel_class, seats, layout) as _COACHES_CHANGED
    writes them."""
    return ",".join(f"{c.coach}:{c.travel_class}:{c.seats}:{c.layout}" for c in coaches) or None


def _train_share_lock(*, train: Train) -> int:
    """Take the share lock that a journey's creation holds on its train; return the train's seat count.

    Raise TrainWithdrawn if the train has been withdrawn since the sale read it.
    """
    if connection.vendor != "postgresql":
        # SQLite's IMMEDIATE transaction already holds the database's only write lock.
        active = Train.objects.filter(pk=train.pk, withdrawn_at__isnull=True).order_by()
        row = active.values_list("total_seats").first()
    else:
        with connection.cursor() as cursor:
            # FOR SHARE: Django's select_for_update has no share mode. Having waited for an
            # import's lock, the row is read as the import left it: withdrawn, it is not there.
            cursor.execute(
                "SELECT total_seats FROM trains_train WHERE id = %s AND withdrawn_at IS NULL FOR SHARE",
                [train.pk],
            )
            row = cursor.fetchone()
    if row is None:
        raise TrainWithdrawn()
    return row[0]


def journey_open(*, train: Train, journey_date: datetime.date) -> None:
    """Create the journey with every seat free over the whole route, unless it exists; lock not taken."""
    total_seats = _train_share_lock(train=train)
    try:
        # A savepoint: on PostgreSQL a racing creator waits here until this one commits, and
        # then must not lay out the seats again, which the first sales may have changed.
        with transaction.atomic():
            Journey.objects.create(train=train, date=journey_date)
    except IntegrityError:
        return
    _seats_lay_out(train=train, seats=range(1, total_seats + 1), journey_date=journey_date)


# Free stretches over the whole route for a range of seats of a train's journeys, in one
# statement however many seats and journeys there are. Parameters: the first and the last seat,
# the train id; then, for one journey, its date.
_SEATS_LAY_OUT = (
    "WITH RECURSIVE seat(number) AS (SELECT %s UNION ALL SELECT number + 1 FROM seat WHERE number < %s)"
    " INSERT INTO bookings_freestretch (train_id, journey_date, seat_number, from_position, to_position)"
    " SELECT journey.train_id, journey.date, seat.number, 0,"
    " (SELECT COUNT(*) - 1 FROM trains_stop stop WHERE stop.train_id = journey.train_id)"
    " FROM bookings_journey journey, seat WHERE journey.train_id = %s"
)


def _seats_lay_out(*, train: Train, seats: range, journey_date: datetime.date | None = None) -> None:
    """Write the `seats` free over the whole route, on the journey of `journey_date` or on every one."""
    if not seats:
        return
    sql, params = _SEATS_LAY_OUT, [seats[0], seats[-1], train.pk]
    if journey_date is not None:
        sql, params = sql + " AND journey.date = %s", [*params, journey_date]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _stretches_of(journey: Journey) -> QuerySet[FreeStretch]:
    return FreeStretch.objects.filter(train_id=journey.train_id, journey_date=journey.date)


# The journey's free stretches that cover a segment: one per seat free on all of it. Parameters:
# train id, journey date, the segment's legs, its first and its last stop. "length > 0" is the
# condition of the index freestretch_tightest, stated so that either database may use it.
_COVERING = (
    " FROM bookings_freestretch WHERE train_id = %s AND journey_date = %s AND length > 0 AND length >= %s"
    " AND from_position <= %s AND to_position >= %s"
)
_CANDIDATES = "SELECT seat_number, from_position, to_position" + _COVERING
# The free stretches of some seats of a journey. Parameters: train id, journey date.
_STRETCHES_OF_SEATS = (
    "SELECT seat_number, from_position, to_position FROM bookings_freestretch"
    " WHERE train_id = %s AND journey_date = %s"
)


def _tightest_sql(seat_ranges: SeatRanges) -> str:
    """Return the first candidates of a class in the seat rule's order (index freestretch_tightest), as
    rows (1, seat, from, to, 0, 0, 0): as wide as the row of a sale's other facts, which they follow.

    Parameters: _COVERING's, the ranges' bounds and how many.
    """
    return (
        " SELECT 1, seat_number, from_position, to_position, 0, 0, 0 FROM ("  # noqa: S608
        + _candidates_sql(seat_ranges=seat_ranges, order_and_limit=True)
        + ") tightest"
    )


def _covering(*, train_id: int, journey_date: datetime.date, from_position: int, to_position: int) -> list:
    """Return _COVERING's parameters for the segment of the journey."""
    return [train_id, journey_date, to_position - from_position, from_position, to_position]


def _in_ranges(seat_ranges: SeatRanges) -> Statement:
    """Return the condition that keeps a class's seats, the train-wide ranges (first, last) of its coaches.

    None given: every seat of the train, and no condition.
    """
    if not seat_ranges:
        return "", []
    condition = " OR ".join(["seat_number BETWEEN %s AND %s"] * len(seat_ranges))
    return f" AND ({condition})", [bound for seat_range in seat_ranges for bound in seat_range]


def _candidates_sql(*, seat_ranges: SeatRanges, order_and_limit: bool) -> str:
    """Return the query of the candidates of a class (_CANDIDATES), in the seat rule's order if asked."""
    sql = _CANDIDATES + _in_ranges(seat_ranges)[0]
    return sql + " ORDER BY length, seat_number LIMIT %s" if order_and_limit else sql


def seats_free_count(
    *, journey: Journey, from_position: int, to_position: int, seat_ranges: SeatRanges = ()
) -> int:
    """Return how many seats of the journey (of a class: `seat_ranges`) are free on all of the segment."""
    return seats_free_counts(journey=journey, segments=[(from_position, to_position, seat_ranges)])[0]


# The seats free on a segment within a range of seat numbers, for several (segment, range) rows in
# one statement: each row counts the free stretches of its range that cover its segment, among
# those starting at or before it (index freestretch_by_start, whose condition "length > 0" is
# stated so that either database may use it). Parameters: train id, journey date, then per row
# its index, its first and last stop, its first and last seat.
_FREE_BY_SEGMENT = (
    "SELECT segment.column1, (SELECT COUNT(*) FROM bookings_freestretch stretch"
    " WHERE stretch.train_id = %s AND stretch.journey_date = %s AND stretch.length > 0"
    " AND stretch.from_position <= segment.column2 AND stretch.to_position >= segment.column3"
    " AND stretch.seat_number BETWEEN segment.column4 AND segment.column5)"
    " FROM (VALUES {rows}) segment"
)
# The seat numbers a train may have: every seat when a class holds them all.
_EVERY_SEAT = ((1, JOURNEY_SEAT_KEY_SEATS - 1),)


def seats_free_counts(*, journey: Journey, segments: Sequence[tuple[int, int, SeatRanges]]) -> list[int]:
    """Return, for each (from_position, to_position, seat_ranges) of `segments`, how many seats of the
    journey in those ranges (none: every seat) are free on all of the segment; in one statement."""
    if not segments:
        return []
    rows = [
        (index, from_position, to_position, first, last)
        for index, (from_position, to_position, seat_ranges) in enumerate(segments)
        for first, last in seat_ranges or _EVERY_SEAT
    ]
    counts = [0] * len(segments)
    with connection.cursor() as cursor:
        cursor.execute(
            _FREE_BY_SEGMENT.format(rows=", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))),
            [journey.train_id, journey.date, *(value for row in rows for value in row)],
        )
        for index, count in cursor.fetchall():
            counts[index] += count
    return counts


def _first_look(count: int) -> int:
    """Return how many of the tightest candidates a sale of `count` seats reads first."""
    return 1 if count == 1 else GROUP_FIRST_LOOK * count


@dataclass(frozen=True)
class Look:
    """Some of a segment's candidates: the first `size` in the seat rule's order, and their neighbours."""

    size: int
    tightest: list[Candidate]
    # For a group: the candidates within the group's size of one of `tightest`, by seat; None
    # until the seat rule asks for them.
    neighbours: dict[int, Candidate] | None


def _tightest_of(rows: list[tuple]) -> list[Candidate]:
    """Return the candidates among rows (kind, seat, from, to, 0) of kind 1, in the seat rule's order."""
    return sorted(
        (Candidate(*row[1:4]) for row in rows if row[0] == 1),
        key=lambda candidate: (candidate.length, candidate.seat_number),
    )


def _neighbours(*, state: "SaleState", tightest: list[Candidate]) -> dict[int, Candidate]:
    """Return the candidates among the seats within the group's size of one of `tightest`, by seat."""
    count = state.count
    near = {
        seat
        for candidate in tightest
        for seat in range(candidate.seat_number - count + 1, candidate.seat_number + count)
    }
    near -= {candidate.seat_number for candidate in tightest}
    if not near:
        return {}
    # Every stretch of the seats near, found by the primary key; which of them cover the
    # segment is decided here, so that no plan can take another index and read the journey.
    with connection.cursor() as cursor:
        cursor.execute(
            _STRETCHES_OF_SEATS + f" AND seat_number IN ({', '.join(['%s'] * len(near))})",
            [state.train_id, state.journey_date, *near],
        )
        return {
            row[0]: Candidate(*row)
            for row in cursor.fetchall()
            if row[1] <= state.from_position and row[2] >= state.to_position
        }


# The seats a user's live bookings (held, confirmed or waiting alike) claim on a journey: what the
# seat cap counts. Parameters: train id, journey date, user id.
_SEATS_HELD = (
    "SELECT COALESCE(SUM(seat_count - seats_cancelled), 0) FROM bookings_booking"
    " WHERE train_id = %s AND journey_date = %s AND user_id = %s"
    " AND status IN ('held', 'confirmed', 'waitlisted')"
)
# The seats a user's live bookings claim on every journey from a date on: what the cap across
# journeys counts. Parameters: user id, the first date.
_SEATS_HELD_AHEAD = (
    "SELECT COALESCE(SUM(seat_count - seats_cancelled), 0) FROM bookings_booking"
    " WHERE user_id = %s AND journey_date >= %s AND status IN ('held', 'confirmed', 'waitlisted')"
)
# 1 when a hold of the journey has reached its end: its seats are free, though still written as
# held (bookings.journey_events). Parameters: train id, journey date, now.
_HOLDS_DUE = (
    "CASE WHEN EXISTS (SELECT 1 FROM bookings_booking WHERE train_id = %s AND journey_date = %s"
    " AND status = 'held' AND expires_at <= %s) THEN 1 ELSE 0 END"
)
# 1 when bookings wait on the journey and its chart is not prepared: its time would cancel them.
# Parameters: train id, journey date, twice.
_CHART_PENDING = (
    "CASE WHEN EXISTS (SELECT 1 FROM bookings_journey WHERE train_id = %s AND date = %s"
    " AND charted_at IS NULL) AND EXISTS (SELECT 1 FROM bookings_booking WHERE train_id = %s"
    " AND journey_date = %s AND status = 'waitlisted') THEN 1 ELSE 0 END"
)
# What a sale decides on besides the candidates, as a row of kind 0: whether it holds the
# journey's lock, the seats the user holds on the journey and on every journey not yet started,
# the id the booking will have, whether holds are due and whether a chart is pending (asked only
# once the chart's time has come: before it, a pending chart changes nothing, and each clause
# costs the planner on every sale). Parameters: _LOCKED's, _SEATS_HELD's, _SEATS_HELD_AHEAD's,
# _HOLDS_DUE's, then _CHART_PENDING's where asked.
_SALE_FACTS = (
    " SELECT 0, {locked}, (" + _SEATS_HELD + "), (" + _SEATS_HELD_AHEAD + "), {booking_id}, " + _HOLDS_DUE
)
# On PostgreSQL a sale locks its journey's row and reads in one round trip, as two statements:
# the read's snapshot is taken once the lock is held, so it sees every sale that committed
# meanwhile. A journey created after the lock's snapshot is in the read's but was not locked:
# the lock leaves a transaction-local mark once taken, and the read checks the mark. The
# booking's id is reserved from the sequence, so that the sale's writes go in one round trip.
_JOURNEY_LOCK_MARKED = (
    "SELECT set_config('railway.journey_locked', %s, true) FROM ("  # noqa: S608
    + _JOURNEY_LOCK
    + " FOR NO KEY UPDATE) locked"
)
# The buyer's row, locked before the journey's by every sale: one user's sales on different
# journeys count each other's seats against the cap across journeys one at a time. (On SQLite the
# IMMEDIATE transaction holds the database's only write lock.)
_USER_LOCK = "SELECT 1 FROM users_user WHERE id = %s FOR NO KEY UPDATE"
# -1 when the train has been withdrawn (a timetable import) since the sale read it: the sale may
# have waited for the lock while the import wrote it. Parameters: train id, the mark.
_WITHDRAWN = "EXISTS (SELECT 1 FROM trains_train WHERE id = %s AND withdrawn_at IS NOT NULL)"
# -2 when the train's coaches are no longer those the sale read before its lock (an edit of
# the train in the admin): the seats of its class may have moved. Parameters: train id, the
# coaches as coaches_fingerprint writes them.
_COACHES_CHANGED = (
    "(SELECT string_agg(coach.coach || ':' || coach.travel_class || ':' || coach.seats"
    " || ':' || coach.layout, ',' ORDER BY coach.position)"
    " FROM trains_coach coach WHERE coach.train_id = %s) IS DISTINCT FROM %s"
)
_LOCKED_POSTGRESQL = (
    f"CASE WHEN {_WITHDRAWN} THEN -1 WHEN {_COACHES_CHANGED} THEN -2"
    " WHEN current_setting('railway.journey_locked', true) = %s THEN 1 ELSE 0 END"
)
_BOOKING_ID_POSTGRESQL = "nextval('bookings_booking_id_seq')"
# On SQLite the IMMEDIATE transaction holds the database's only write lock: the read checks
# that the journey exists, and the insert assigns the booking's id.
_LOCKED_SQLITE = (
    f"CASE WHEN {_WITHDRAWN} THEN -1"  # noqa: S608
    " ELSE (SELECT COUNT(*) FROM bookings_journey WHERE train_id = %s AND date = %s) END"
)


@dataclass(frozen=True)
class SaleState:
    """What a sale of seats on a journey decides on, read under the journey's lock."""

    train_id: int
    journey_date: datetime.date
    from_position: int
    to_position: int
    count: int
    # The seats the buyer's confirmed bookings already hold on the journey, and on every journey
    # not yet started.
    seats_held: int
    seats_held_ahead: int
    # The first look at the candidates (bookings.allocation).
    look: Look
    # The id the booking takes, where the database reserves it ahead of the insert.
    booking_id: int | None
    # The seats of the class sold; none when the train has one class.
    seat_ranges: SeatRanges = ()
    # Whether a hold of the journey has reached its end, and whether bookings wait on it uncharted.
    holds_due: bool = False
    chart_pending: bool = False

    @property
    def journey(self) -> Journey:
        return Journey(train_id=self.train_id, date=self.journey_date)


def sale_lock(
    *,
    train_id: int,
    journey_date: datetime.date,
    user_id: int,
    from_position: int,
    to_position: int,
    count: int,
    today: datetime.date,
    now: datetime.datetime,
    chart_due: bool = False,
    seat_ranges: SeatRanges = (),
    coaches: str | None = None,
) -> SaleState | None:
    """Lock the buyer and the journey, and read what a sale of `count` seats on the segment decides on.

    None when the train has no journey on the date yet. On PostgreSQL the locks and the read go
    in one round trip; the read is a statement of its own, so that it sees every sale that
    committed while this one waited for a lock. Journeys from `today` on count as not started;
    holds whose end is `now` or earlier are due; with `chart_due` (the chart's time has come), the
    read says whether bookings wait on an uncharted journey. The candidates are the seats of `seat_ranges`
    (bookings of a class). On PostgreSQL, where the coaches were read before the lock, `coaches`
    is what was read (coaches_fingerprint): raise CoachesChanged if they are no longer so, and
    TrainWithdrawn if the train was withdrawn.
    """
    if connection.vendor == "postgresql":
        mark = f"{train_id}:{journey_date.isoformat()}"
        locks = [(_USER_LOCK, [user_id]), (_JOURNEY_LOCK_MARKED, [mark, train_id, journey_date])]
        facts = (
            _SALE_FACTS.format(locked=_LOCKED_POSTGRESQL, booking_id=_BOOKING_ID_POSTGRESQL),
            [train_id, train_id, coaches, mark],
        )
    else:
        locks = []
        facts = (
            _SALE_FACTS.format(locked=_LOCKED_SQLITE, booking_id="NULL"),
            [train_id, train_id, journey_date],
        )
    pending = (
        (", " + _CHART_PENDING + " UNION ALL", [train_id, journey_date, train_id, journey_date])
        if chart_due
        else (", 0 UNION ALL", [])
    )
    covering = _covering(
        train_id=train_id, journey_date=journey_date, from_position=from_position, to_position=to_position
    )
    size = _first_look(count)
    read = (
        facts[0] + pending[0] + _tightest_sql(seat_ranges),
        [
            *facts[1],
            train_id,
            journey_date,
            user_id,
            user_id,
            today,
            train_id,
            journey_date,
            connection.ops.adapt_datetimefield_value(now),
            *pending[1],
            *covering,
            *_in_ranges(seat_ranges)[1],
            size,
        ],
    )
    rows = rows_of_last([*locks, read])
    _, locked, seats_held, seats_held_ahead, reserved_id, holds_due, chart_pending = next(
        row for row in rows if row[0] == 0
    )
    if locked == -1:
        raise TrainWithdrawn()
    if locked == -2:
        raise CoachesChanged()
    if not locked:
        return None
    return SaleState(
        train_id=train_id,
        journey_date=journey_date,
        from_position=from_position,
        to_position=to_position,
        count=count,
        seats_held=seats_held,
        seats_held_ahead=seats_held_ahead,
        look=Look(size=size, tightest=_tightest_of(rows), neighbours=None),
        booking_id=reserved_id,
        seat_ranges=seat_ranges,
        holds_due=bool(holds_due),
        chart_pending=bool(chart_pending),
    )


def seats_look(
    *,
    train_id: int,
    journey_date: datetime.date,
    from_position: int,
    to_position: int,
    count: int,
    seat_ranges: SeatRanges = (),
) -> SaleState:
    """Return what seating `count` passengers on the segment decides on, for a caller holding the journey's
    lock already (bookings.waitlist): the first look at the candidates, and no facts of a buyer."""
    state = SaleState(
        train_id=train_id,
        journey_date=journey_date,
        from_position=from_position,
        to_position=to_position,
        count=count,
        seats_held=0,
        seats_held_ahead=0,
        look=Look(size=0, tightest=[], neighbours=None),
        booking_id=None,
        seat_ranges=seat_ranges,
    )
    size = _first_look(count)
    return dataclasses.replace(
        state, look=Look(size=size, tightest=_candidates_read(state=state, size=size), neighbours=None)
    )


def _candidates_read(*, state: SaleState, size: int | None) -> list[Candidate]:
    """Return the first `size` candidates of the sale's class in the seat rule's order; all for None."""
    covering = _covering(
        train_id=state.train_id,
        journey_date=state.journey_date,
        from_position=state.from_position,
        to_position=state.to_position,
    )
    bounds = _in_ranges(state.seat_ranges)[1]
    if size is not None:
        return _tightest_of(rows_of_last([(_tightest_sql(state.seat_ranges), [*covering, *bounds, size])]))
    sql = _candidates_sql(seat_ranges=state.seat_ranges, order_and_limit=False)
    rows = rows_of_last([(sql, [*covering, *bounds])])
    return sorted(
        (Candidate(*row) for row in rows), key=lambda candidate: (candidate.length, candidate.seat_number)
    )


def _a_run(chosen: Sequence[Candidate], *, coach_starts: Sequence[int]) -> bool:
    """Return whether the seats chosen are adjacent seats of one coach."""
    seats = sorted(candidate.seat_number for candidate in chosen)
    return seats == list(range(seats[0], seats[0] + len(seats))) and in_one_coach(
        first=seats[0], last=seats[-1], coach_starts=coach_starts
    )


def _insufficient(state: SaleState) -> InsufficientSeats:
    return InsufficientSeats(
        available_seats=seats_free_count(
            journey=state.journey,
            from_position=state.from_position,
            to_position=state.to_position,
            seat_ranges=state.seat_ranges,
        )
    )


def seats_choose(
    *,
    state: SaleState,
    coach_starts: Sequence[int] = (),
    preferences: Sequence[str | None] = (),
    position_of: Callable[[int], str] | None = None,
) -> list[Candidate]:
    """Return the seats the seat rule picks for the sale, one per passenger in their order, or raise
    InsufficientSeats.

    `coach_starts` are the first seat numbers of the train's coaches, which a group's run may
    not cross. Without preferences, the rule decides from the look the sale took under the lock,
    and looks further only when it asks for it: one row for a single seat, a few for a group.
    Preferences weigh the class's PREFERENCE_LOOK tightest candidates against each other (all of
    them, but on the largest trains); a party they cannot seat together there is seated by the
    look without them.
    """
    if any(preferences) and position_of is not None:
        candidates = _candidates_read(state=state, size=PREFERENCE_LOOK)
        chosen = party_seats(
            candidates=candidates, coach_starts=coach_starts, preferences=preferences, position_of=position_of
        )
        if len(candidates) < PREFERENCE_LOOK:
            # Every candidate of the class was read: the rule's choice, or not enough seats.
            if chosen is None:
                raise _insufficient(state)
            return chosen
        if chosen is not None and _a_run(chosen, coach_starts=coach_starts):
            return chosen
        # A run of the party may lie past the tightest read: the look below finds it, whatever the
        # preferences, which never split a party that could sit together.
    look = state.look
    while True:
        choice = choose_seats(
            tightest=look.tightest,
            neighbours=look.neighbours,
            count=state.count,
            complete=len(look.tightest) < look.size,
            coach_starts=coach_starts,
        )
        if choice is None:
            raise _insufficient(state)
        if choice is not NEED_MORE:
            return choice
        if look.neighbours is None and state.count > 1:
            look = Look(
                size=look.size,
                tightest=look.tightest,
                neighbours=_neighbours(state=state, tightest=look.tightest),
            )
            continue
        size = look.size * 4
        look = Look(size=size, tightest=_candidates_read(state=state, size=size), neighbours=None)


def _rows_insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> Statement:
    """Return one INSERT of `rows` into `table`, or no statement when there are none."""
    if not rows:
        return "", []
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    # Names and placeholders only: every value travels as a parameter.
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}"  # noqa: S608
    return sql, [value for row in rows for value in row]


_BOOKING_INSERT = (
    "INSERT INTO bookings_booking (id, user_id, train_id, journey_date, from_position, to_position,"
    " seat_count, seat_numbers, status, created_at, pnr, travel_class, fare_total, refund_total, currency,"
    " hold_requested, expires_at, hold_limit_at, seats_cancelled, cancel_reason, payment_reference)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, '', '')"
)
_PASSENGER_COLUMNS = (
    "booking_id",
    "passenger_id",
    "name",
    "age",
    "preference",
    "coach",
    "seat",
    "seat_number",
    "position",
    "preference_met",
    "fare",
    "status",
)


def sale_write(
    *,
    user,
    train: Train,
    state: SaleState,
    chosen: list[Candidate],
    sold: Booking,
    passengers: list[Passenger],
    writes: Writes | None = None,
) -> Booking:
    """Write the sale of the `chosen` seats: the booking `sold` (its class, PNR, fare, status and hold
    filled), its `passengers` (their seats filled), the seats they hold, and what stays free. A
    waiting booking is written with no seats chosen, its passengers with none.

    The stretches chosen were read under the journey lock, so they are there to replace. With
    the booking's id reserved (PostgreSQL), every write goes in one round trip; with `writes`,
    they join the caller's, who runs them.
    """
    journey_date, from_position, to_position = state.journey_date, state.from_position, state.to_position
    seats = sorted(candidate.seat_number for candidate in chosen)
    booking = sold
    booking.id = state.booking_id
    booking.user = user
    booking.train = train
    booking.journey_date = journey_date
    booking.from_position = from_position
    booking.to_position = to_position
    booking.seat_count = len(passengers)
    booking.seat_numbers = seats
    booking.created_at = timezone.now()
    booking._state.adding = False
    created = (
        _BOOKING_INSERT,
        [
            booking.pk,
            user.pk,
            train.pk,
            journey_date,
            from_position,
            to_position,
            booking.seat_count,
            json.dumps(seats),
            booking.status,
            connection.ops.adapt_datetimefield_value(booking.created_at),
            booking.pnr,
            booking.travel_class,
            connection.ops.adapt_decimalfield_value(booking.fare_total, 12, 2),
            connection.ops.adapt_decimalfield_value(booking.refund_total, 12, 2),
            booking.currency,
            booking.hold_requested,
            connection.ops.adapt_datetimefield_value(booking.expires_at),
            connection.ops.adapt_datetimefield_value(booking.hold_limit_at),
        ],
    )
    if booking.pk is None:
        with connection.cursor() as cursor:
            cursor.execute(*created)
            booking.pk = cursor.lastrowid
        created = ("", [])
    for passenger in passengers:
        passenger.booking = booking
    travellers = _rows_insert(
        "bookings_passenger",
        _PASSENGER_COLUMNS,
        [
            (
                booking.pk,
                passenger.passenger_id,
                passenger.name,
                passenger.age,
                passenger.preference,
                passenger.coach,
                passenger.seat,
                passenger.seat_number,
                passenger.position,
                passenger.preference_met,
                connection.ops.adapt_decimalfield_value(passenger.fare, 10, 2),
                passenger.status,
            )
            for passenger in passengers
        ],
    )
    own = writes is None
    writes = Writes() if writes is None else writes
    for statement in (created, travellers, *seats_take(booking=booking, chosen=chosen)):
        writes.add(statement)
    if own:
        writes.run()
    return booking


def seats_take(*, booking: Booking, chosen: Sequence[Candidate]) -> list[Statement]:
    """Return the statements that give `booking` the `chosen` seats on its segment: the seats it holds
    and what stays free of their stretches (none for no seats)."""
    if not chosen:
        return []
    train_id, journey_date = booking.train_id, booking.journey_date
    from_position, to_position = booking.from_position, booking.to_position
    stretch_of = {candidate.seat_number: candidate for candidate in chosen}
    seats = sorted(stretch_of)
    held = _rows_insert(
        "bookings_bookingseat",
        ("booking_id", "seat_number", "train_id", "journey_date", "from_position", "to_position"),
        [(booking.pk, seat, train_id, journey_date, from_position, to_position) for seat in seats],
    )
    taken = (
        "DELETE FROM bookings_freestretch WHERE train_id = %s AND journey_date = %s"  # noqa: S608
        " AND from_position <= %s AND to_position >= %s"
        f" AND seat_number IN ({', '.join(['%s'] * len(seats))})",
        [train_id, journey_date, from_position, to_position, *seats],
    )
    left = _rows_insert(
        "bookings_freestretch",
        ("train_id", "journey_date", "seat_number", "from_position", "to_position"),
        [
            (train_id, journey_date, seat, first, last)
            for seat in seats
            for first, last in stretches_left(
                stretch_of[seat], from_position=from_position, to_position=to_position
            )
        ],
    )
    return [held, taken, left]


def seats_release(
    *, booking: Booking, seats: Sequence[int] | None = None, journey_open: bool = True
) -> list[int]:
    """Free the `seats` `booking` holds on its segment (default: all it holds), joining them to the free
    legs either side; return the seats freed.

    A journey no longer open (purged once finished) keeps no free stretches: only the seats
    held go.
    """
    journey_rows = {"train_id": booking.train_id, "journey_date": booking.journey_date}
    from_position, to_position = booking.from_position, booking.to_position
    held = BookingSeat.objects.filter(**journey_rows, booking=booking)
    if seats is not None:
        held = held.filter(seat_number__in=list(seats))
    seats = list(held.values_list("seat_number", flat=True))
    held.delete()
    if not journey_open or not seats:
        return seats
    adjacent = FreeStretch.objects.filter(**journey_rows, seat_number__in=seats).filter(
        Q(to_position=from_position) | Q(from_position=to_position)
    )
    joined = {seat: (from_position, to_position) for seat in seats}
    for seat, first, last in adjacent.values_list("seat_number", "from_position", "to_position"):
        start, end = joined[seat]
        joined[seat] = (first, end) if last == from_position else (start, last)
    adjacent.delete()
    FreeStretch.objects.bulk_create(
        FreeStretch(seat_number=seat, from_position=first, to_position=last, **journey_rows)
        for seat, (first, last) in sorted(joined.items())
    )
    return seats


@dataclass(frozen=True)
class InventoryDifference:
    """How a journey's stored free stretches differ from those its bookings leave: (seat, from, to)."""

    train_id: int
    journey_date: datetime.date
    missing: frozenset[tuple[int, int, int]]
    unexpected: frozenset[tuple[int, int, int]]


def journey_stretches_expected(*, journey: Journey) -> set[tuple[int, int, int]]:
    """Return the free stretches (seat, from, to) that the journey's BookingSeat rows leave."""
    leg_count = Stop.objects.filter(train_id=journey.train_id).count() - 1
    total_seats = Train.objects.filter(pk=journey.train_id).values_list("total_seats", flat=True).get()
    sold: dict[int, list[tuple[int, int]]] = defaultdict(list)
    held = BookingSeat.objects.filter(train_id=journey.train_id, journey_date=journey.date)
    for seat, first, last in held.values_list("seat_number", "from_position", "to_position"):
        sold[seat].append((first, last))
    return {
        (seat, first, last)
        for seat in range(1, total_seats + 1)
        for first, last in free_stretches(sold=sold[seat], leg_count=leg_count)
    }


def journey_inventory_check(*, journey: Journey) -> InventoryDifference:
    """Return how the journey's free stretches differ from what its bookings leave free."""
    expected = journey_stretches_expected(journey=journey)
    stored = set(_stretches_of(journey).values_list("seat_number", "from_position", "to_position"))
    return InventoryDifference(
        train_id=journey.train_id,
        journey_date=journey.date,
        missing=frozenset(expected - stored),
        unexpected=frozenset(stored - expected),
    )


def journey_inventory_repair(*, journey: Journey) -> InventoryDifference:
    """Rewrite the journey's free stretches from its bookings, under its lock; return what was wrong."""
    with transaction.atomic():
        journey_lock(train_id=journey.train_id, journey_date=journey.date)
        difference = journey_inventory_check(journey=journey)
        for seat, first, _ in difference.unexpected:
            _stretches_of(journey).filter(seat_number=seat, from_position=first).delete()
        FreeStretch.objects.bulk_create(
            FreeStretch(
                train_id=journey.train_id,
                journey_date=journey.date,
                seat_number=seat,
                from_position=first,
                to_position=last,
            )
            for seat, first, last in sorted(difference.missing)
        )
    return difference


def train_seats_resize(*, train: Train, total_seats: int) -> None:
    """Give every journey of the train seats 1..total_seats, `train.total_seats` being the count it has now.

    The seats removed must be unsold (callers check); those added are free over the whole route.
    """
    FreeStretch.objects.filter(train=train, seat_number__gt=total_seats).delete()
    if total_seats <= train.total_seats:
        return
    _seats_lay_out(train=train, seats=range(train.total_seats + 1, total_seats + 1))


def journey_delete(*, journey: Journey) -> None:
    """Delete a journey and its free stretches; its bookings keep their date and the seats they held."""
    with transaction.atomic():
        _stretches_of(journey).delete()
        Journey.objects.filter(train_id=journey.train_id, date=journey.date).delete()
