"""The station admin: listed and searched by name, never two stations that differ only in case, and
each in a time zone."""

import pytest

from trains.models import Station

pytestmark = pytest.mark.django_db


def test_the_station_list_finds_stations_by_name(superuser_client):
    Station.objects.create(name="Alpha")
    Station.objects.create(name="Beta")

    response = superuser_client.get("/admin/trains/station/?q=alp")

    assert response.status_code == 200
    assert [station.name for station in response.context["cl"].result_list] == ["Alpha"]


def test_a_station_cannot_be_renamed_onto_another_in_a_different_case(superuser_client):
    Station.objects.create(name="Alpha")
    beta = Station.objects.create(name="Beta")

    response = superuser_client.post(
        f"/admin/trains/station/{beta.pk}/change/", {"name": " ALPHA ", "_save": "Save"}
    )

    assert response.status_code == 200
    assert "already has this name" in str(response.context["adminform"].form.errors["name"])
    beta.refresh_from_db()
    assert beta.name == "Beta"


def test_station_autocomplete_finds_stations_by_name(superuser_client):
    Station.objects.create(name="Alpha")

    response = superuser_client.get(
        "/admin/autocomplete/",
        {"term": "alp", "app_label": "trains", "model_name": "stop", "field_name": "station"},
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Alpha"]


def test_a_superuser_sets_a_stations_time_zone(superuser_client):
    station = Station.objects.create(name="Paris")

    response = superuser_client.post(
        f"/admin/trains/station/{station.pk}/change/",
        {"name": "Paris", "time_zone": "Europe/Paris", "_save": "Save"},
    )

    assert response.status_code == 302
    station.refresh_from_db()
    assert station.time_zone == "Europe/Paris"


def test_the_station_admin_refuses_an_unknown_time_zone(superuser_client):
    station = Station.objects.create(name="Paris", time_zone="UTC")

    response = superuser_client.post(
        f"/admin/trains/station/{station.pk}/change/",
        {"name": "Paris", "time_zone": "Europe/Atlantis", "_save": "Save"},
    )

    assert response.status_code == 200
    assert "is not an IANA time zone" in str(response.context["adminform"].form.errors["time_zone"])
    station.refresh_from_db()
    assert station.time_zone == "UTC"
