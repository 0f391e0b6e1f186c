"""A station is its code: codes unique ignoring case, names that repeat, and stations made from names."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from conftest import client_for
from trains.models import Station, StationWord, station_key
from trains.services import station_create, station_for_name

pytestmark = pytest.mark.django_db


def test_two_stations_may_share_a_name_but_never_a_code_in_any_case():
    Station.objects.create(code="CEN", name="Central")
    Station.objects.create(code="CEN2", name="Central")

    with pytest.raises(IntegrityError), transaction.atomic():
        Station.objects.create(code="cen", name="Elsewhere")


def test_a_station_needs_a_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        Station.objects.create(code="", name="Nowhere")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("  Zürich   HB ", "zurich hb"),
        ("gare de Paris-St-Lazare", "gare de paris st lazare"),
        ("Straße", "strasse"),
        ("St. Pölten", "st. polten"),
        ("\uff2b\uff39\uff2f\uff34\uff2f", "kyoto"),  # in fullwidth letters
    ],
)
def test_names_compare_without_case_accents_dashes_or_extra_spaces(name, key):
    assert station_key(name) == key


def test_a_name_no_station_has_makes_a_station_with_a_code_from_it():
    station = station_for_name(name="Nové Zámky")

    assert (station.code, station.name) == ("NOVEZAMKY", "Nové Zámky")
    assert list(StationWord.objects.filter(station=station).values_list("word", flat=True)) == [
        "nove",
        "zamky",
    ]


def test_a_name_without_latin_letters_makes_a_generic_code():
    assert station_for_name(name="東京").code == "STATION"
    assert station_for_name(name="大阪").code == "STATION2"


def test_a_name_one_station_has_is_that_station():
    surat = station_create(code="ST", name="Surat")

    assert station_for_name(name=" SURAT ") == surat
    assert Station.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_trains_naming_one_new_station_at_once_create_it_once(admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are PostgreSQL's; SQLite runs them one after the other")
    from bookings.tests.concurrency import Call, run_together, statuses

    calls = [
        Call(
            client=client_for(admin_user),
            user_id=admin_user.pk,
            method="post",
            path="/add_train/",
            data={
                "train_number": number,
                "source": "Anand",
                "destination": f"Stop {number}",
                "total_seats": 5,
            },
        )
        for number in range(1, 9)
    ]

    run_together(calls, workers=8)

    assert statuses(calls) == {201: 8}
    assert list(Station.objects.filter(key="anand").values_list("code", flat=True)) == ["ANAND"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_stations_codes_from_their_names():
    executor = MigrationExecutor(connection)
    executor.migrate([("trains", "0001_initial")])
    old_station = executor.loader.project_state([("trains", "0001_initial")]).apps.get_model(
        "trains", "Station"
    )
    # The old key folded case only: these three were distinct stations, and stay so.
    for name in ("New Delhi", "New-Delhi", "Néw Delhi", "Surat"):
        old_station.objects.create(name=name, key=name.casefold())

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    stations = list(Station.objects.order_by("id").values_list("name", "code", "key"))
    assert stations == [
        ("New Delhi", "NEWDELHI", "new delhi"),
        ("New-Delhi", "NEWDELHI2", "new delhi"),
        ("Néw Delhi", "NEWDELHI3", "new delhi"),
        ("Surat", "SURAT", "surat"),
    ]
    surat = Station.objects.get(code="SURAT")
    assert list(StationWord.objects.filter(station=surat).values_list("word", flat=True)) == ["surat"]
