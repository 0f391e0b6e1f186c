"""Each imported stop's distance_km from the first: shape_dist_traveled, else the stops' coordinates."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from trains.models import Stop, Train
from trains.tests.feeds import minimal_with, write_feed

pytestmark = pytest.mark.django_db

# Stops on the equator a degree of longitude apart: 111.2 km each along the great circle.
STOPS_ON_THE_EQUATOR = """
    stop_id,stop_name,stop_lat,stop_lon
    A,Alpha,0,0
    B,Beta,0.0,1.0
    C,Gamma,0,2
"""


def stop_times(*shape_dists: str) -> str:
    """Return stop_times.txt for trip T1 calling at A, B, C with these shape_dist_traveled values."""
    times = ("08:00:00", "08:30:00", "09:00:00")
    rows = [
        f"T1,{time},{time},{stop},{sequence},{dist}"
        for sequence, (time, stop, dist) in enumerate(zip(times, "ABC", shape_dists, strict=True), 1)
    ]
    return "\n".join(["trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled", *rows])


def import_feed(directory, files, *args: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    output = StringIO()
    call_command(
        "import_gtfs",
        str(write_feed(directory, files)),
        "--seats",
        "10",
        *args,
        stdout=output,
        stderr=StringIO(),
    )
    return output.getvalue()


def distances(train: Train | None = None) -> list[Decimal | None]:
    train = train or Train.objects.get()
    return list(Stop.objects.filter(train=train).order_by("position").values_list("distance_km", flat=True))


def test_shape_dist_traveled_gives_kilometres_from_the_first_stop(tmp_path):
    import_feed(tmp_path, minimal_with({"stop_times.txt": stop_times("3.5", "45.25", "103.04")}))

    assert distances() == [Decimal("0.0"), Decimal("41.8"), Decimal("99.5")]


@pytest.mark.parametrize(
    ("unit", "values", "expected"),
    [
        ("m", ("0", "41750", "99540"), ["0.0", "41.8", "99.5"]),
        ("mi", ("0", "10", "62.5"), ["0.0", "16.1", "100.6"]),
        ("km", ("0", "10", "62.5"), ["0.0", "10.0", "62.5"]),
    ],
)
def test_shape_dist_unit_says_what_the_feed_measures_in(tmp_path, unit, values, expected):
    import_feed(tmp_path, minimal_with({"stop_times.txt": stop_times(*values)}), "--shape-dist-unit", unit)

    assert distances() == [Decimal(value) for value in expected]


def test_without_shape_dist_traveled_the_great_circle_between_stops_is_summed(tmp_path):
    import_feed(tmp_path, minimal_with({"stops.txt": STOPS_ON_THE_EQUATOR}))

    assert distances() == [Decimal("0.0"), Decimal("111.2"), Decimal("222.4")]


def test_a_trip_lacking_one_shape_dist_traveled_is_measured_by_coordinates(tmp_path):
    files = minimal_with({"stops.txt": STOPS_ON_THE_EQUATOR, "stop_times.txt": stop_times("0", "", "300")})

    import_feed(tmp_path, files)

    assert distances() == [Decimal("0.0"), Decimal("111.2"), Decimal("222.4")]


def test_a_platform_without_coordinates_is_where_its_station_is(tmp_path):
    stops = """
        stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station
        A,Alpha,0,0,1,
        A_1,Alpha platform 1,,,0,A
        B,Beta,0,1,,
        C,Gamma,0,2,1,
        C_2,Gamma platform 2,0,2.5,0,C
    """
    times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,A_1,1
        T1,08:30:00,08:30:00,B,2
        T1,09:00:00,09:00:00,C_2,3
    """
    import_feed(tmp_path, minimal_with({"stops.txt": stops, "stop_times.txt": times}))

    # The call at platform 2 of Gamma is measured to the platform, half a degree beyond Gamma.
    assert distances() == [Decimal("0.0"), Decimal("111.2"), Decimal("278.0")]


def test_a_trip_with_neither_has_no_distances(tmp_path):
    stops = STOPS_ON_THE_EQUATOR.replace("C,Gamma,0,2", "C,Gamma,,")

    import_feed(tmp_path, minimal_with({"stops.txt": stops}))

    assert distances() == [None, None, None]


def test_a_decreasing_shape_dist_traveled_is_named_and_nothing_is_imported(tmp_path):
    with pytest.raises(CommandError) as refused:
        import_feed(tmp_path, minimal_with({"stop_times.txt": stop_times("0", "50", "40")}))

    assert "stop_times.txt line 4: shape_dist_traveled 40 is less than 50 on line 3" in str(refused.value)
    assert not Train.objects.exists()


@pytest.mark.parametrize("value", ["-5", "1e3", "ten", "NaN", "1" * 13])
def test_a_malformed_shape_dist_traveled_is_named(tmp_path, value):
    with pytest.raises(CommandError) as refused:
        import_feed(tmp_path, minimal_with({"stop_times.txt": stop_times("0", value, "40")}))

    assert f"stop_times.txt line 3: shape_dist_traveled '{value}' is not a non-negative decimal" in str(
        refused.value
    )


def test_skip_invalid_leaves_out_a_trip_whose_distances_decrease(tmp_path):
    trips = "route_id,service_id,trip_id\nR,DAILY,T1\nR,DAILY,T2\n"
    times = stop_times("0", "50", "40") + "\nT2,10:00:00,10:00:00,A,1,0\nT2,11:00:00,11:00:00,C,2,80"

    output = import_feed(
        tmp_path, minimal_with({"trips.txt": trips, "stop_times.txt": times}), "--skip-invalid"
    )

    assert "1 trips imported, 1 rejected." in output
    assert "Rejected trip 'T1':" in output
    assert distances(Train.objects.get(trip_id="T2")) == [Decimal("0.0"), Decimal("80.0")]


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("C,Gamma,91,2", "stop_lat '91' is not a number of degrees from -90 to 90"),
        ("C,Gamma,0,-180.5", "stop_lon '-180.5' is not a number of degrees from -180 to 180"),
        ("C,Gamma,north,2", "stop_lat 'north' is not a number of degrees"),
        ("C,Gamma,0,", "stop_lon is empty but stop_lat is given"),
    ],
)
def test_wrong_coordinates_are_named_by_line(tmp_path, row, error):
    stops = STOPS_ON_THE_EQUATOR.replace("C,Gamma,0,2", row)

    with pytest.raises(CommandError) as refused:
        import_feed(tmp_path, minimal_with({"stops.txt": stops}))

    assert f"stops.txt line 4: {error}" in str(refused.value)


def test_a_reimport_that_changes_only_distances_updates_the_train(tmp_path):
    import_feed(tmp_path / "v1", minimal_with({"stop_times.txt": stop_times("0", "50", "100")}))
    train = Train.objects.get()

    same = import_feed(tmp_path / "v2", minimal_with({"stop_times.txt": stop_times("0", "50", "100")}))
    changed = import_feed(tmp_path / "v3", minimal_with({"stop_times.txt": stop_times("0", "52", "101")}))

    assert "0 trains created, 0 updated, 1 unchanged" in same
    assert "0 trains created, 1 updated, 0 unchanged" in changed
    assert distances(train) == [Decimal("0.0"), Decimal("52.0"), Decimal("101.0")]
