"""The database guards coaches, fares and stop distances, whatever writes them."""

from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from trains.models import Coach, Fare, Station, Stop, Train

pytestmark = pytest.mark.django_db


@pytest.fixture
def train() -> Train:
    return Train.objects.create(train_number=12301, total_seats=144)


def coach(train: Train, **fields) -> Coach:
    values = {"position": 0, "coach": "B1", "travel_class": "3A", "seats": 72, "layout": "berths-8"}
    return Coach.objects.create(train=train, **{**values, **fields})


def refused(write) -> bool:
    """Return whether the database refuses the write: a constraint, or (PostgreSQL) a column's length."""
    try:
        with transaction.atomic():
            write()
    except (IntegrityError, DataError):
        return True
    return False


def test_a_coach_as_the_spec_names_it_is_stored(train):
    coach(train)

    assert list(Coach.objects.values_list("coach", "travel_class", "seats", "layout")) == [
        ("B1", "3A", 72, "berths-8")
    ]


def test_a_coach_code_comes_once_in_a_train(train):
    coach(train)

    assert refused(lambda: coach(train, position=1))
    assert not refused(lambda: coach(Train.objects.create(train_number=2, total_seats=72)))


def test_two_coaches_never_share_a_place_in_the_order(train):
    coach(train)

    assert refused(lambda: coach(train, coach="B2"))


@pytest.mark.parametrize("seats", [0, 201])
def test_a_coach_has_1_to_200_seats(train, seats):
    assert refused(lambda: coach(train, seats=seats))


@pytest.mark.parametrize("seats", [1, 200])
def test_a_coach_may_have_1_or_200_seats(train, seats):
    assert not refused(lambda: coach(train, seats=seats))


def test_a_coach_has_a_known_layout(train):
    assert refused(lambda: coach(train, layout="seats-9x9"))


@pytest.mark.parametrize("code", ["", "b1", "B-1", "B 1", "B1\n", "B1234567X", "É1"])
def test_a_coach_code_is_1_to_8_upper_case_letters_or_digits(train, code):
    assert refused(lambda: coach(train, coach=code))


@pytest.mark.parametrize("travel_class", ["", "sl", "3A!", "FIRSTCLASS"])
def test_a_class_is_1_to_8_upper_case_letters_or_digits(train, travel_class):
    assert refused(lambda: coach(train, travel_class=travel_class))
    assert refused(
        lambda: Fare.objects.create(
            train=train, travel_class=travel_class, per_km=Decimal("1"), minimum=Decimal("1")
        )
    )


def test_a_class_has_one_fare_per_train(train):
    Fare.objects.create(train=train, travel_class="3A", per_km=Decimal("1.45"), minimum=Decimal("150.00"))

    assert refused(
        lambda: Fare.objects.create(train=train, travel_class="3A", per_km=Decimal("2"), minimum=Decimal("1"))
    )


@pytest.mark.parametrize(("per_km", "minimum"), [("-0.01", "0"), ("0", "-0.01")])
def test_a_fare_is_never_negative(train, per_km, minimum):
    assert refused(
        lambda: Fare.objects.create(
            train=train, travel_class="3A", per_km=Decimal(per_km), minimum=Decimal(minimum)
        )
    )


def test_a_stop_is_never_a_negative_distance_from_the_first(train):
    station = Station.objects.create(code="GAYA", name="Gaya")

    assert refused(lambda: Stop.objects.create(train=train, station=station, position=0, distance_km=-1))
    assert not refused(
        lambda: Stop.objects.create(train=train, station=station, position=0, distance_km=Decimal("458.5"))
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_puts_every_existing_trains_seats_in_gen_coaches():
    executor = MigrationExecutor(connection)
    executor.migrate([("trains", "0005_coaches_and_fares")])
    old_train = executor.loader.project_state([("trains", "0005_coaches_and_fares")]).apps.get_model(
        "trains", "Train"
    )
    small = old_train.objects.create(train_number=1, total_seats=100).pk
    large = old_train.objects.create(train_number=2, total_seats=450).pk

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    def coaches(train_id: int) -> list[tuple]:
        return list(
            Coach.objects.filter(train_id=train_id)
            .order_by("position")
            .values_list("position", "coach", "travel_class", "seats", "layout")
        )

    assert coaches(small) == [(0, "C1", "GEN", 100, "seats-2x2")]
    assert coaches(large) == [
        (0, "C1", "GEN", 200, "seats-2x2"),
        (1, "C2", "GEN", 200, "seats-2x2"),
        (2, "C3", "GEN", 50, "seats-2x2"),
    ]
