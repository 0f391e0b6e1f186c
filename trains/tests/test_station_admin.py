"""The station admin: listed and searched by name or code; names may repeat, codes may not; each
station in a time zone."""

import pytest

from trains.models import Station, StationWord

pytestmark = pytest.mark.django_db


def test_the_station_list_finds_stations_by_name(superuser_client):
    Station.objects.create(name="Alpha", code="A")
    Station.objects.create(name="Beta", code="B")

    response = superuser_client.get("/admin/trains/station/?q=alp")

    assert response.status_code == 200
    assert [station.name for station in response.context["cl"].result_list] == ["Alpha"]


def test_the_station_list_finds_a_station_by_its_code(superuser_client):
    Station.objects.create(name="Alpha", code="A")
    Station.objects.create(name="Beta", code="B")

    response = superuser_client.get("/admin/trains/station/?q=b")

    assert [station.name for station in response.context["cl"].result_list] == ["Beta"]


def test_a_station_cannot_take_another_stations_code_in_a_different_case(superuser_client):
    Station.objects.create(name="Alpha", code="ALP")
    beta = Station.objects.create(name="Beta", code="BET")

    response = superuser_client.post(
        f"/admin/trains/station/{beta.pk}/change/",
        {"code": "alp", "name": "Beta", "time_zone": "UTC", "_save": "Save"},
    )

    assert response.status_code == 200
    assert "already has this code" in str(response.context["adminform"].form.errors["code"])
    beta.refresh_from_db()
    assert beta.code == "BET"


def test_two_stations_may_have_one_name(superuser_client):
    Station.objects.create(name="Central", code="CEN1")

    response = superuser_client.post(
        "/admin/trains/station/add/",
        {"code": "CEN2", "name": " central ", "time_zone": "UTC", "_save": "Save"},
    )

    assert response.status_code == 302
    assert sorted(Station.objects.values_list("code", "name")) == [("CEN1", "Central"), ("CEN2", "central")]


def test_a_station_added_without_a_code_gets_one_from_its_name_and_its_words(superuser_client):
    Station.objects.create(name="Surat", code="SURAT")

    response = superuser_client.post(
        "/admin/trains/station/add/", {"code": "", "name": "Surat", "time_zone": "UTC", "_save": "Save"}
    )

    assert response.status_code == 302
    added = Station.objects.get(code="SURAT2")
    assert list(StationWord.objects.filter(station=added).values_list("word", flat=True)) == ["surat"]


def test_a_renamed_station_is_found_by_its_new_words(superuser_client):
    station = Station.objects.create(name="Old Town", code="OLD")

    superuser_client.post(
        f"/admin/trains/station/{station.pk}/change/",
        {"code": "OLD", "name": "New Town", "time_zone": "UTC", "_save": "Save"},
    )

    assert sorted(StationWord.objects.filter(station=station).values_list("word", flat=True)) == [
        "new",
        "town",
    ]


def test_station_autocomplete_finds_stations_by_name(superuser_client):
    Station.objects.create(name="Alpha", code="ALP")

    response = superuser_client.get(
        "/admin/autocomplete/",
        {"term": "alp", "app_label": "trains", "model_name": "stop", "field_name": "station"},
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Alpha (ALP)"]


def test_a_superuser_sets_a_stations_time_zone(superuser_client):
    station = Station.objects.create(code="PAR", name="Paris")

    response = superuser_client.post(
        f"/admin/trains/station/{station.pk}/change/",
        {"code": "PAR", "name": "Paris", "time_zone": "Europe/Paris", "_save": "Save"},
    )

    assert response.status_code == 302
    station.refresh_from_db()
    assert station.time_zone == "Europe/Paris"


def test_the_station_admin_refuses_an_unknown_time_zone(superuser_client):
    station = Station.objects.create(code="PAR", name="Paris", time_zone="UTC")

    response = superuser_client.post(
        f"/admin/trains/station/{station.pk}/change/",
        {"code": "PAR", "name": "Paris", "time_zone": "Europe/Atlantis", "_save": "Save"},
    )

    assert response.status_code == 200
    assert "is not an IANA time zone" in str(response.context["adminform"].form.errors["time_zone"])
    station.refresh_from_db()
    assert station.time_zone == "UTC"
