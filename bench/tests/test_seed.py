"""A tiny seed is consistent per journey: free stretches match the seats held, bookings hold their seats."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token as NaiveToken
from rest_framework.test import APIClient

from bench.invariants import (
    STRETCHES_CHECK,
    bookings_per_journey,
    busiest_leg_sold_share,
    inventory_violations,
)
from bench.naive.models import NaiveTrain
from bench.run import booking_target
from bench.seed import (
    HOT_TRAIN_CLASSES,
    HOT_TRAIN_NUMBER,
    LISTER_USERNAME,
    SeedSize,
    hot_coaches,
    hot_journey_open_sold,
    hot_train_reset,
    journey_dates_ahead,
    seat_places,
    seed,
    seed_pnr,
)
from bookings.models import Booking, BookingSeat, FreeStretch, Journey, Passenger
from bookings.pnrs import pnr_normalise
from trains.coach_plans import default_coaches
from trains.models import Train
from users.models import Token, token_digest

TINY = SeedSize(trains=6, stations=12, bookings=60, users=4, lister_bookings=10, hot_seats=(8,), hot_stops=5)
TINY_ON_THREE_DATES = SeedSize(**{**TINY.__dict__, "journey_dates": 3})


def quiet(message: str) -> None:
    pass


@pytest.mark.django_db
def test_a_tiny_seed_is_consistent():
    report = seed(size=TINY, seed=3, log=quiet)

    assert report.bookings == Booking.objects.count() == 60
    assert report.seats_held == BookingSeat.objects.count()
    assert Booking.objects.filter(user__username=LISTER_USERNAME).count() == 10
    today = timezone.localdate()
    assert set(Booking.objects.values_list("journey_date", flat=True)) == {today}
    assert report.journeys == Journey.objects.count() == TINY.trains
    assert report.free_stretches == FreeStretch.objects.count()
    assert not any(inventory_violations().values())
    hot = Train.objects.get(train_number=HOT_TRAIN_NUMBER)
    assert (hot.total_seats, hot.stops.count(), Booking.objects.filter(train=hot).count()) == (8, 5, 0)
    assert not Journey.objects.filter(train=hot).exists()
    assert NaiveTrain.objects.get(train_number=HOT_TRAIN_NUMBER).available_seats == 8
    assert NaiveTrain.objects.count() == TINY.trains + 1


PASSENGERS_CHECK = "bookings without one passenger for each seat sold"


@pytest.mark.django_db
def test_seeded_bookings_are_sold_as_the_service_sells_to_anonymous_passengers():
    report = seed(size=TINY, seed=3, log=quiet)

    bookings = list(Booking.objects.select_related("train").order_by("id"))
    assert report.passengers == Passenger.objects.count() == sum(booking.seat_count for booking in bookings)
    assert len({booking.pnr for booking in bookings}) == len(bookings)
    for booking in bookings:
        assert pnr_normalise(booking.pnr) == booking.pnr
        assert (booking.travel_class, booking.fare_total, booking.refund_total) == ("GEN", 0, 0)
        assert (booking.currency, booking.seats_cancelled) == (settings.FARE_CURRENCY, 0)
        places = seat_places(default_coaches(total_seats=booking.train.total_seats))
        passengers = list(
            booking.passengers.order_by("passenger_id").values_list(
                "passenger_id", "name", "age", "seat_number", "coach", "seat", "position", "status", "fare"
            )
        )
        # One per seat held, in seat order, each on that seat as its coach numbers it.
        assert passengers == [
            (number, None, None, seat_number, *places[seat_number - 1][1:], "confirmed", 0)
            for number, seat_number in enumerate(sorted(booking.seat_numbers), 1)
        ]
    assert inventory_violations()[PASSENGERS_CHECK] == 0


def test_a_seeded_pnr_is_the_booking_id_in_crockford_base_32():
    assert [seed_pnr(booking_id) for booking_id in (1, 31, 32, 100_000)] == [
        "0000000001",
        "000000000Z",
        "0000000010",
        "00000031N0",
    ]


def test_seats_are_placed_in_coaches_of_two_hundred_seats_two_by_two():
    places = seat_places(default_coaches(total_seats=450))

    assert len(places) == 450
    assert places[:5] == [
        ("GEN", "C1", 1, "window"),
        ("GEN", "C1", 2, "aisle"),
        ("GEN", "C1", 3, "aisle"),
        ("GEN", "C1", 4, "window"),
        ("GEN", "C1", 5, "window"),
    ]
    assert places[199:202] == [
        ("GEN", "C1", 200, "window"),
        ("GEN", "C2", 1, "window"),
        ("GEN", "C2", 2, "aisle"),
    ]
    assert places[-1] == ("GEN", "C3", 50, "aisle")


@pytest.mark.django_db
def test_a_booking_without_its_passengers_is_reported():
    seed(size=TINY, seed=3, log=quiet)
    booking = Booking.objects.order_by("id").first()

    Passenger.objects.filter(booking=booking, passenger_id=1).delete()

    violations = inventory_violations(train_id=booking.train_id, naive=False)
    # The seat the passenger sat on is still held, by no one.
    assert {name: count for name, count in violations.items() if count} == {
        PASSENGERS_CHECK: 1,
        "seats held for no seated passenger": 1,
    }


@pytest.mark.django_db
def test_bookings_seeded_on_several_dates_are_consistent_per_journey():
    report = seed(size=TINY_ON_THREE_DATES, seed=3, log=quiet)

    today = timezone.localdate()
    dates = {today + datetime.timedelta(days=offset) for offset in range(3)}
    assert set(Booking.objects.values_list("journey_date", flat=True)) == dates
    assert set(BookingSeat.objects.values_list("journey_date", flat=True)) == dates
    assert report.journeys == Journey.objects.count() == TINY.trains * 3
    network = Train.objects.exclude(train_number=HOT_TRAIN_NUMBER)
    # Every seat of every journey is free somewhere or sold on some leg.
    seats_with_stretches = FreeStretch.objects.values("train_id", "journey_date", "seat_number").distinct()
    assert seats_with_stretches.count() <= 3 * sum(train.total_seats for train in network)
    assert report.free_stretches == FreeStretch.objects.count()
    assert not any(inventory_violations().values())


@pytest.mark.django_db
def test_the_checks_tell_the_journeys_of_one_train_apart():
    seed(size=TINY_ON_THREE_DATES, seed=3, log=quiet)
    held = BookingSeat.objects.select_related("booking").order_by("booking_id", "seat_number").first()
    train_id, number = held.train_id, held.seat_number
    other_date = (
        Journey.objects.filter(train_id=train_id)
        .exclude(date=held.journey_date)
        .values_list("date", flat=True)[0]
    )
    # The same seat on the same legs, sold on another journey of the train: not a double sale.
    Booking.objects.filter(train_id=train_id, journey_date=other_date).delete()
    other_journey = FreeStretch.objects.filter(train_id=train_id, journey_date=other_date)
    other_journey.delete()
    again = Booking.objects.create(
        user_id=held.booking.user_id,
        train_id=train_id,
        journey_date=other_date,
        from_position=held.from_position,
        to_position=held.to_position,
        seat_count=1,
        seat_numbers=[number],
    )
    Passenger.objects.create(
        booking=again, passenger_id=1, coach="C1", seat=number, seat_number=number, position="window", fare=0
    )
    BookingSeat.objects.create(
        booking=again,
        seat_number=number,
        train_id=train_id,
        journey_date=other_date,
        from_position=held.from_position,
        to_position=held.to_position,
    )
    train = Train.objects.get(pk=train_id)
    leg_count = train.stops.count() - 1
    FreeStretch.objects.bulk_create(
        FreeStretch(
            train=train, journey_date=other_date, seat_number=seat, from_position=first, to_position=last
        )
        for seat in range(1, train.total_seats + 1)
        for first, last in (
            [(0, held.from_position), (held.to_position, leg_count)] if seat == number else [(0, leg_count)]
        )
        if first < last
    )
    assert not any(inventory_violations().values())

    # A stretch out of step on one journey, and a seat held on a journey never opened, are reported.
    other_journey.filter(seat_number=number).delete()
    BookingSeat.objects.filter(booking=again).update(journey_date=other_date + datetime.timedelta(days=30))

    violations = inventory_violations(train_id=train_id, naive=False)
    assert {name: count for name, count in violations.items() if count} == {
        STRETCHES_CHECK: 1,
        "seats held on journeys that do not exist": 1,
        "bookings not holding exactly their seated passengers' seats on their journey and segment": 1,
    }


@pytest.mark.django_db
def test_a_seat_sold_twice_on_a_leg_is_reported():
    seed(size=TINY, seed=3, log=quiet)
    held = BookingSeat.objects.select_related("booking").order_by("booking_id", "seat_number").first()
    twice = Booking.objects.create(
        user_id=held.booking.user_id,
        train_id=held.train_id,
        journey_date=held.journey_date,
        from_position=held.from_position,
        to_position=held.from_position + 1,
        seat_count=1,
        seat_numbers=[held.seat_number],
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Past the database's own guard, to see the bench's check catch what it would refuse.
            # The foreign keys checked at commit must be checked now, or the table cannot change.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE bookings_bookingseat DROP CONSTRAINT bookingseat_no_double_sale")
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'bookings_bookingseat'"
            )
            for (trigger,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{trigger}"')
    BookingSeat.objects.create(
        booking=twice,
        seat_number=held.seat_number,
        train_id=held.train_id,
        journey_date=held.journey_date,
        from_position=held.from_position,
        to_position=held.from_position + 1,
    )

    violations = inventory_violations(train_id=held.train_id, naive=False)

    assert violations["seat sold twice on a leg of a journey"] == 1
    # The seat's legs sold are the same either way, so its free stretches still match.
    assert violations[STRETCHES_CHECK] == 0


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_bookings():
    def bookings() -> list[tuple]:
        return list(
            Booking.objects.order_by("id").values_list(
                "train_id", "journey_date", "from_position", "seat_numbers", "pnr"
            )
        )

    seed(size=TINY_ON_THREE_DATES, seed=5, log=quiet)
    first = bookings()
    seed(size=TINY_ON_THREE_DATES, seed=5, log=quiet)

    assert bookings() == first


@pytest.mark.django_db
def test_the_hot_train_is_recreated_empty_with_the_journeys_asked_for():
    seed(size=TINY, seed=3, log=quiet)
    today = timezone.localdate()
    hot_id = hot_train_reset(journey_dates=[today])
    BookingSeat.objects.create(
        train_id=hot_id,
        journey_date=today,
        from_position=0,
        to_position=1,
        seat_number=1,
        booking=Booking.objects.create(
            user_id=1,
            train_id=hot_id,
            journey_date=today,
            from_position=0,
            to_position=1,
            seat_count=1,
            seat_numbers=[1],
        ),
    )
    FreeStretch.objects.filter(train_id=hot_id, journey_date=today, seat_number=1).update(from_position=1)
    dates = [today + datetime.timedelta(days=offset) for offset in (1, 2)]

    hot_id = hot_train_reset(journey_dates=dates)

    assert not Booking.objects.filter(train_id=hot_id).exists()
    assert sorted(Journey.objects.filter(train_id=hot_id).values_list("date", flat=True)) == dates
    # Every seat free over the whole route of five stops, on each journey.
    assert sorted(
        FreeStretch.objects.filter(train_id=hot_id).values_list("from_position", "to_position")
    ) == [(0, 4)] * (2 * 8)
    assert not any(inventory_violations(train_id=hot_id).values())


@pytest.mark.django_db
@pytest.mark.parametrize("whole_route", [True, False], ids=["whole-route", "segments"])
def test_a_journey_opened_sold_has_its_busiest_leg_sold_as_asked_and_is_consistent(
    whole_route, client_for_key
):
    seed(size=SeedSize(**{**TINY.__dict__, "hot_seats": (40,)}), seed=3, log=quiet)
    today = timezone.localdate()
    hot_id = hot_train_reset(seats=40)

    sold = hot_journey_open_sold(journey_date=today, busiest_leg_share=0.7, whole_route=whole_route, seed=2)

    assert sold.busiest_leg_share == busiest_leg_sold_share(train_id=hot_id, journey_date=today) == 0.7
    assert sold.bookings == Booking.objects.filter(train_id=hot_id, seat_count=1).count()
    assert sold.bookings == Passenger.objects.filter(booking__train_id=hot_id, name=None).count()
    if whole_route:
        assert sold.bookings == 28 and sold.seat_legs_share == 0.7
        assert sorted(
            BookingSeat.objects.filter(train_id=hot_id).values_list("seat_number", flat=True)
        ) == list(range(1, 29))
    else:
        assert sold.bookings > 28 and sold.seat_legs_share < 0.7
    assert not any(inventory_violations(train_id=hot_id).values())
    # The engine sells on from there: the whole route on the first seat never sold.
    answer = client_for_key(user_id=1).post(
        "/user/book_seat/", {"train_number": HOT_TRAIN_NUMBER, "seat_count": 1}, format="json"
    )
    assert answer.status_code == 201, answer.content
    if whole_route:
        assert answer.json()["seat_numbers"] == [29]
    assert not any(inventory_violations(train_id=hot_id).values())


@pytest.mark.django_db
def test_the_hot_dates_are_days_the_hot_train_runs_within_the_horizon():
    seed(size=TINY, seed=3, log=quiet)
    Train.objects.filter(train_number=HOT_TRAIN_NUMBER).update(runs_on=0b001_0101)  # Mon, Wed, Fri
    today = timezone.localdate()

    dates = journey_dates_ahead(train_number=HOT_TRAIN_NUMBER, count=8)

    assert len(set(dates)) == 8
    assert all(today < day <= today + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS) for day in dates)
    assert {day.weekday() for day in dates} == {0, 2, 4}
    with pytest.raises(ValueError, match="fewer than"):
        journey_dates_ahead(train_number=HOT_TRAIN_NUMBER, count=settings.BOOKING_HORIZON_DAYS)


@pytest.mark.django_db
def test_bookings_on_the_hot_dates_land_on_their_journeys(client_for_key):
    seed(size=TINY, seed=3, log=quiet)
    dates = journey_dates_ahead(train_number=HOT_TRAIN_NUMBER, count=3)
    hot_id = hot_train_reset(journey_dates=dates)
    client = client_for_key(user_id=1)

    for day in [*dates, *dates]:
        # The body book.lua sends the service for a line of the hot-dates targets.
        target = booking_target(train_number=HOT_TRAIN_NUMBER, journey_date=day)
        body = (
            f'{{{target}, "travel_class": "GEN", '
            '"passengers": [{"name": "Asha Rao", "age": 34}, {"name": "Dev Patel", "age": 7}]}'
        )
        answer = client.post("/user/book_seat/", body, content_type="application/json")
        assert answer.status_code == 201, answer.content
        assert answer.json()["journey_date"] == day.isoformat()

    assert bookings_per_journey(train_id=hot_id, watermark=0) == {day.isoformat(): 2 for day in dates}
    # Each journey sold seats 1..4 on its own: the same seats, no double sale.
    for day in dates:
        assert sorted(
            BookingSeat.objects.filter(train_id=hot_id, journey_date=day).values_list(
                "seat_number", flat=True
            )
        ) == [1, 2, 3, 4]
    assert not any(inventory_violations(train_id=hot_id).values())


@pytest.fixture
def client_for_key():
    def make(*, user_id: int) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {NaiveToken.objects.get(user_id=user_id).key}")
        return client

    return make


@pytest.mark.django_db
def test_every_load_user_has_one_key_that_both_the_service_and_the_baseline_accept():
    seed(size=TINY, seed=3, log=quiet)

    keys = dict(NaiveToken.objects.values_list("user_id", "key"))
    digests = dict(Token.objects.filter(expires_at__gt=timezone.now()).values_list("user_id", "digest"))
    assert len(keys) == TINY.users + 1
    assert digests == {user_id: token_digest(key) for user_id, key in keys.items()}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {keys[1]}")
    assert client.get("/user/get_booking_details/1/").status_code == 200


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's cached generic plans")
def test_the_seed_leaves_empty_tables_unanalysed_so_cached_plans_still_use_their_indexes():
    # A table analysed while empty is planned as empty by every generic plan built afterwards:
    # an idempotency lookup in a prepared statement would scan it whole for the life of a session.
    seed(size=TINY, seed=3, log=quiet)

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(
            "PREPARE idempotency_lookup(bigint, text) AS "
            "SELECT id FROM bookings_idempotencyrecord WHERE user_id = $1 AND key = $2"
        )
        cursor.execute("EXPLAIN EXECUTE idempotency_lookup(1, 'a-key')")
        plan = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("DEALLOCATE idempotency_lookup")
    assert "Index" in plan and "Seq Scan" not in plan, plan


def test_a_hot_train_of_two_classes_has_half_its_seats_in_each():
    assert hot_coaches(seats=450, classes=1) is None
    coaches = hot_coaches(seats=450, classes=2)

    assert [(coach.coach, coach.travel_class, coach.seats) for coach in coaches] == [
        ("C1", "GEN", 200),
        ("C2", "GEN", 25),
        ("A1", "AC", 200),
        ("A2", "AC", 25),
    ]


@pytest.mark.django_db
def test_each_class_of_a_hot_train_of_two_sells_its_own_coaches(client_for_key):
    seed(size=TINY, seed=3, log=quiet)
    today = timezone.localdate()
    hot_id = hot_train_reset(seats=8, journey_dates=[today], classes=2)
    client = client_for_key(user_id=1)

    coaches = {}
    for travel_class in [*HOT_TRAIN_CLASSES, *HOT_TRAIN_CLASSES]:
        target = booking_target(train_number=HOT_TRAIN_NUMBER, travel_class=travel_class)
        body = f'{{{target}, "passengers": [{{"name": "Asha Rao", "age": 34}}]}}'
        answer = client.post("/user/book_seat/", body, content_type="application/json")
        assert answer.status_code == 201, answer.content
        coaches.setdefault(travel_class, []).extend(
            passenger["coach"] for passenger in answer.json()["passengers"]
        )

    assert coaches == {"GEN": ["C1", "C1"], "AC": ["A1", "A1"]}
    assert not any(inventory_violations(train_id=hot_id).values())


@pytest.mark.django_db
def test_a_hot_journey_of_two_classes_sold_ahead_books_each_seat_in_its_coach_s_class():
    seed(size=TINY, seed=3, log=quiet)
    hot_id = hot_train_reset(seats=40, classes=2)

    hot_journey_open_sold(journey_date=timezone.localdate(), busiest_leg_share=0.7, whole_route=True)

    classes = dict(Booking.objects.filter(train_id=hot_id).values_list("seat_numbers__0", "travel_class"))
    assert classes == {seat: "GEN" if seat <= 20 else "AC" for seat in range(1, 29)}
    assert set(Passenger.objects.filter(booking__train_id=hot_id).values_list("coach", flat=True)) == {
        "C1",
        "A1",
    }
    assert not any(inventory_violations(train_id=hot_id).values())
