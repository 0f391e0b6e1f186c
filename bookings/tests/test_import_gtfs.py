"""`manage.py import_gtfs FEED --seats N`: a published timetable becomes bookable trains, all or nothing."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from bookings.models import Booking, Journey
from bookings.services import booking_create
from trains.gtfs import read_feed
from trains.gtfs.trips import derived_number
from trains.models import Coach, ServiceException, Station, Stop, Train
from trains.selectors import train_route, train_starts_on
from trains.tests.feeds import MINIMAL_FEED, MIXED_FEED, RAIL_FEED, SAMPLE_FEED, minimal_with, write_feed

# A Monday inside the test feeds' dates of service, so that their trains run "today".
IN_SERVICE = time_machine.travel(datetime.datetime(2025, 1, 6, 8, tzinfo=datetime.UTC))

pytestmark = pytest.mark.django_db

MINUTES = datetime.timedelta(minutes=1)


def feed_in(directory, files) -> object:
    """Write a feed into its own new folder under `directory` (a test may write several)."""
    directory.mkdir(parents=True, exist_ok=True)
    return write_feed(directory, files)


def import_feed(path, *args: str) -> str:
    output = StringIO()
    call_command("import_gtfs", str(path), *args, stdout=output, stderr=StringIO())
    return output.getvalue()


def stop_times(train: Train) -> list[tuple]:
    return list(Stop.objects.filter(train=train).order_by("position").values_list("arrival", "departure"))


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_it_loads_stations_trains_stops_and_times(tmp_path, form):
    output = import_feed(write_feed(tmp_path, RAIL_FEED, form), "--seats", "300")

    assert "3 trains created, 0 updated" in output
    assert set(Station.objects.values_list("name", flat=True)) == {"Central", "Harbour", "Midfield", "North"}
    intercity = Train.objects.get(train_number=101)
    assert (intercity.name, intercity.total_seats) == ("Intercity Central - North (North)", 300)
    # No journey yet: one opens, with its free seats, when its date is first booked.
    assert not Journey.objects.filter(train=intercity).exists()
    assert train_route(train=intercity) == ["Central", "Harbour", "Midfield", "North"]
    assert intercity.departs_at == datetime.time(8, 0)
    assert stop_times(intercity) == [
        (None, 0 * MINUTES),
        (20 * MINUTES, 20 * MINUTES),  # only a departure in the feed
        (40 * MINUTES, 40 * MINUTES),  # no time at all: halfway in time between its neighbours
        (60 * MINUTES, None),
    ]


def coaches_of(train: Train) -> list[tuple]:
    return list(
        Coach.objects.filter(train=train)
        .order_by("position")
        .values_list("coach", "travel_class", "seats", "layout")
    )


def test_every_train_it_creates_has_its_seats_in_gen_coaches(tmp_path):
    import_feed(write_feed(tmp_path, RAIL_FEED), "--seats", "300")

    for train in Train.objects.all():
        assert coaches_of(train) == [("C1", "GEN", 200, "seats-2x2"), ("C2", "GEN", 100, "seats-2x2")]


def test_a_train_of_up_to_200_seats_has_the_one_coach_c1(tmp_path):
    import_feed(write_feed(tmp_path, MINIMAL_FEED), "--seats", "72")

    assert coaches_of(Train.objects.get()) == [("C1", "GEN", 72, "seats-2x2")]


def test_a_reimport_keeps_a_trains_coaches(tmp_path):
    path = write_feed(tmp_path, MINIMAL_FEED)
    import_feed(path, "--seats", "72")
    train = Train.objects.get()
    before = list(Coach.objects.filter(train=train).values_list("pk", "coach", "seats"))

    import_feed(path, "--seats", "500")

    assert list(Coach.objects.filter(train=train).values_list("pk", "coach", "seats")) == before


def test_a_zip_whose_files_sit_in_one_folder_imports_like_a_flat_one(tmp_path):
    files = {f"feed/{name}": text for name, text in RAIL_FEED.items()}

    output = import_feed(write_feed(tmp_path, files, "zip"), "--seats", "300")

    assert "4 stations; 3 trains created, 0 updated" in output
    intercity = Train.objects.get(train_number=101)
    assert train_route(train=intercity) == ["Central", "Harbour", "Midfield", "North"]


def test_a_night_train_keeps_its_times_past_midnight(tmp_path):
    import_feed(write_feed(tmp_path, RAIL_FEED), "--seats", "100")
    night = next(
        train for train in read_feed(feed_in(tmp_path / "again", RAIL_FEED)).trains if train.trip_id == "NT_1"
    )

    stored = Train.objects.get(train_number=night.number)

    assert stored.departs_at == datetime.time(23, 50)
    assert stop_times(stored) == [(None, 0 * MINUTES), (50 * MINUTES, 52 * MINUTES), (105 * MINUTES, None)]


def test_every_train_starts_on_exactly_the_days_its_service_runs(tmp_path):
    path = write_feed(tmp_path, RAIL_FEED)
    feed = read_feed(path)
    import_feed(path, "--seats", "100")
    days = [datetime.date(2024, 12, 30) + datetime.timedelta(days=offset) for offset in range(200)]

    for train in feed.trains:
        stored = Train.objects.get(train_number=train.number)
        service = feed.services[train.service_id]
        assert [train_starts_on(train=stored, day=day) for day in days] == [
            service.runs_on(day) for day in days
        ]


def test_a_train_leaving_after_midnight_of_its_service_day_starts_on_the_next_day(tmp_path):
    late = minimal_with(
        {
            "stop_times.txt": """
                trip_id,arrival_time,departure_time,stop_id,stop_sequence
                T1,24:30:00,24:30:00,A,1
                T1,25:00:00,25:00:00,B,2
            """,
            "calendar.txt": """
                service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
                DAILY,1,0,0,0,0,0,0,20250106,20250113
            """,
        }
    )
    import_feed(write_feed(tmp_path, late), "--seats", "10")

    train = Train.objects.get()
    assert train.departs_at == datetime.time(0, 30)
    # Monday services leave at 00:30 on Tuesday.
    assert train_starts_on(train=train, day=datetime.date(2025, 1, 7))
    assert not train_starts_on(train=train, day=datetime.date(2025, 1, 6))
    assert train_starts_on(train=train, day=datetime.date(2025, 1, 14))


def test_the_specifications_sample_feed_imports(tmp_path):
    output = import_feed(write_feed(tmp_path, SAMPLE_FEED), "--seats", "40")

    # STBA, every 30 minutes from 6:00 to before 22:00, is 32 trains; the other 10 trips one each.
    assert "42 trains created" in output
    assert Train.objects.count() == 42
    removed = set(ServiceException.objects.filter(runs=False).values_list("date", flat=True))
    assert removed == {datetime.date(2007, 6, 4)}


@IN_SERVICE
def test_importing_the_same_feed_again_writes_nothing_and_keeps_bookings(tmp_path, owner):
    path = write_feed(tmp_path, RAIL_FEED)
    import_feed(path, "--seats", "50")
    booking = booking_create(
        user=owner, train_number=101, seat_count=2, source="Harbour", destination="North"
    )
    before = {
        "trains": list(Train.objects.order_by("pk").values_list("pk", "train_number", "total_seats")),
        "stops": list(Stop.objects.order_by("pk").values_list("pk", "station_id", "position", "arrival")),
        "exceptions": list(
            ServiceException.objects.order_by("train", "date").values_list("train", "date", "runs")
        ),
    }

    output = import_feed(path, "--seats", "999")

    assert "0 trains created, 0 updated, 3 unchanged, 0 withdrawn" in output
    assert "0 confirmed bookings on future journeys disrupted" in output
    assert (
        list(Train.objects.order_by("pk").values_list("pk", "train_number", "total_seats"))
        == before["trains"]
    )
    assert (
        list(Stop.objects.order_by("pk").values_list("pk", "station_id", "position", "arrival"))
        == before["stops"]
    )
    assert (
        list(ServiceException.objects.order_by("train", "date").values_list("train", "date", "runs"))
        == (before["exceptions"])
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.seat_numbers == [1, 2]


def test_new_times_and_days_replace_the_old_ones_on_reimport(tmp_path):
    import_feed(write_feed(tmp_path, MINIMAL_FEED), "--seats", "10")
    changed = minimal_with(
        {
            "stop_times.txt": """
                trip_id,arrival_time,departure_time,stop_id,stop_sequence
                T1,09:00:00,09:00:00,A,1
                T1,09:40:00,09:45:00,B,2
                T1,10:10:00,10:10:00,C,3
            """
        }
    )

    import_feed(feed_in(tmp_path / "v2", changed), "--seats", "10")

    train = Train.objects.get()
    assert train.departs_at == datetime.time(9, 0)
    assert stop_times(train)[1] == (40 * MINUTES, 45 * MINUTES)


DIFFERENT_STOPS = {
    "stop_times.txt": """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,A,1
        T1,09:00:00,09:00:00,C,2
    """
}


@IN_SERVICE
def test_a_train_whose_stations_change_under_bookings_is_withdrawn_for_a_new_variant(tmp_path, owner):
    import_feed(write_feed(tmp_path, MINIMAL_FEED), "--seats", "10")
    train = Train.objects.get()
    # Before the 08:00 departure, so that today's journey is still on sale.
    with time_machine.travel(
        datetime.datetime.combine(
            timezone.localdate(), datetime.time(1), tzinfo=timezone.get_current_timezone()
        ),
        tick=False,
    ):
        booking = booking_create(
            user=owner, train_number=train.train_number, seat_count=1, source="Alpha", destination="Beta"
        )

    output = import_feed(feed_in(tmp_path / "v2", minimal_with(DIFFERENT_STOPS)), "--seats", "10")

    assert "0 trains created, 0 updated, 0 unchanged, 0 withdrawn, 1 replaced by a new variant" in output
    assert f"Booking {booking.pk} (user {owner.pk}): train {train.train_number} on" in output
    assert "Alpha -> Beta, 1 seat(s): rerouted" in output
    # The booked train keeps its stations, withdrawn; the new variant has the feed's.
    train.refresh_from_db()
    assert train.withdrawn_at is not None and train_route(train=train) == ["Alpha", "Beta", "Gamma"]
    variant = Train.objects.get(withdrawn_at__isnull=True)
    assert variant.train_number == train.train_number and train_route(train=variant) == ["Alpha", "Gamma"]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.train_id == train.pk


def test_a_train_without_bookings_takes_its_new_stops(tmp_path):
    import_feed(write_feed(tmp_path, MINIMAL_FEED), "--seats", "10")

    import_feed(feed_in(tmp_path / "v2", minimal_with(DIFFERENT_STOPS)), "--seats", "10")

    assert train_route(train=Train.objects.get()) == ["Alpha", "Gamma"]


def test_a_bad_row_is_named_by_file_and_line_and_nothing_is_imported(tmp_path):
    broken = minimal_with(
        {
            "stop_times.txt": """
                trip_id,arrival_time,departure_time,stop_id,stop_sequence
                T1,08:00:00,08:00:00,A,1
                T1,08:30:00,8:3:00,B,2
                T1,09:00:00,09:00:00,C,3
            """
        }
    )

    with pytest.raises(CommandError) as refused:
        import_feed(write_feed(tmp_path, broken), "--seats", "10")

    assert "stop_times.txt line 3" in str(refused.value) and "nothing was imported" in str(refused.value)
    assert not Train.objects.exists() and not Station.objects.exists()


def test_a_trip_of_frequencies_imports_as_a_train_per_departure_and_again_in_place(tmp_path):
    frequencies = "trip_id,start_time,end_time,headway_secs,exact_times\nT1,07:00:00,08:00:00,1200,0\n"
    files = minimal_with({"frequencies.txt": frequencies})

    output = import_feed(write_feed(tmp_path, files), "--seats", "50")
    again = import_feed(feed_in(tmp_path / "again", files), "--seats", "50")

    assert "3 trains created, 0 updated" in output and "0 trains created, 0 updated, 3 unchanged" in again
    trains = Train.objects.order_by("departs_at")
    assert [train.departs_at for train in trains] == [
        datetime.time(7),
        datetime.time(7, 20),
        datetime.time(7, 40),
    ]
    assert [train.train_number for train in trains] == [
        derived_number("T1@07:00:00"), derived_number("T1@07:20:00"), derived_number("T1@07:40:00"),
    ]  # fmt: skip
    for train in trains:
        assert train_route(train=train) == ["Alpha", "Beta", "Gamma"]
        assert stop_times(train) == [(None, 0 * MINUTES), (30 * MINUTES, 32 * MINUTES), (60 * MINUTES, None)]


def test_a_wrong_frequency_is_named_and_nothing_is_imported(tmp_path):
    frequencies = "trip_id,start_time,end_time,headway_secs\nT1,07:00:00,08:00:00,0\n"

    with pytest.raises(CommandError) as refused:
        import_feed(write_feed(tmp_path, minimal_with({"frequencies.txt": frequencies})), "--seats", "10")

    assert "frequencies.txt line 2: headway_secs '0' is not a whole number from 1 to 86,400" in str(
        refused.value
    )
    assert not Train.objects.exists() and not Station.objects.exists()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"stops.txt": "stop_id,stop_name\nA,Alpha\nB,Be\0ta\nC,Gamma\n"},
         "stops.txt line 3: stop_name 'Be\\x00ta' holds the control character U+0000 at character 3"),
        ({"calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                          "start_date,end_date\nDAILY,1,1,1,1,1,1,1,20250101,99991231\n"},
         "calendar.txt line 2: end_date '99991231' is outside the years 1900 to 2999"),
        ({"stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                            "T1,08:00:00,08:00:00,A,1\nT1,30:65:00,30:66:00,B,2\nT1,31:00:00,31:00:00,C,3\n"},
         "stop_times.txt line 3: arrival_time '30:65:00' is not HH:MM:SS"),
        ({"stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                            f"T1,08:00:00,08:00:00,A,1\nT1,09:00:00,09:00:00,B,{'7' * 5000}\n"},
         "stop_times.txt line 3: stop_sequence '7777"),
    ],
)  # fmt: skip
def test_a_malformed_value_is_named_and_nothing_is_imported(tmp_path, changes, error):
    with pytest.raises(CommandError) as refused:
        import_feed(write_feed(tmp_path, minimal_with(changes)), "--seats", "10")

    assert error in str(refused.value) and "nothing was imported" in str(refused.value)
    assert not Train.objects.exists() and not Station.objects.exists()


def test_a_train_of_another_agency_sharing_a_number_and_a_date_refuses_the_feed(tmp_path):
    trips = "route_id,service_id,trip_id,trip_short_name\nR,DAILY,T1,101\n"
    import_feed(write_feed(tmp_path, minimal_with({"trips.txt": trips})), "--seats", "10")
    other_agency = minimal_with(
        {"trips.txt": trips, "routes.txt": "route_id,agency_id,route_long_name\nR,OTHER,Other Line\n"}
    )

    with pytest.raises(CommandError) as refused:
        import_feed(feed_in(tmp_path / "other", other_agency), "--seats", "10")

    assert "trip 'T1' (train 101) runs on" in str(refused.value) and "not of this feed" in str(refused.value)
    assert list(Train.objects.values_list("agency_id", "name")) == [("", "Coast Line")]


def test_a_train_of_no_feed_with_the_number_of_a_feed_train_is_taken_over_by_it(tmp_path, make_train):
    added = make_train(101, 10, "Alpha", "Gamma")
    trips = "route_id,service_id,trip_id,trip_short_name\nR,DAILY,T1,101\n"
    routes = "route_id,agency_id,route_long_name\nR,NS,Coast Line\n"
    feed = minimal_with({"trips.txt": trips, "routes.txt": routes})

    output = import_feed(write_feed(tmp_path, feed), "--seats", "10")
    again = import_feed(feed_in(tmp_path / "again", feed), "--seats", "10")

    assert "0 trains created, 1 updated" in output
    assert list(Train.objects.values_list("pk", "agency_id", "trip_id")) == [(added.pk, "NS", "T1")]
    assert train_route(train=added) == ["Alpha", "Beta", "Gamma"]
    assert "0 trains created, 0 updated, 1 unchanged" in again


@pytest.mark.parametrize("seats", ["0", "10001"])
def test_the_seat_count_must_be_one_a_train_may_have(tmp_path, seats):
    with pytest.raises(CommandError) as refused:
        import_feed(write_feed(tmp_path, MINIMAL_FEED), "--seats", seats)

    assert "seat count" in str(refused.value)
    assert not Train.objects.exists()


def test_a_missing_feed_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file or folder"):
        import_feed(tmp_path / "nowhere.zip", "--seats", "10")


@IN_SERVICE
def test_an_imported_train_is_bookable_on_its_segments(tmp_path, owner):
    import_feed(write_feed(tmp_path, RAIL_FEED), "--seats", "20")

    booking = booking_create(
        user=owner, train_number=101, seat_count=3, source="Harbour", destination="Midfield"
    )

    assert booking.seat_numbers == [1, 2, 3]


def test_a_progress_bar_shows_on_stderr(tmp_path):
    errors = StringIO()

    call_command(
        "import_gtfs", str(write_feed(tmp_path, RAIL_FEED)), "--seats", "5", stdout=StringIO(), stderr=errors
    )

    assert "reading" in errors.getvalue() and "importing" in errors.getvalue()
    assert "3/3" in errors.getvalue()


def test_an_import_leaves_the_planner_statistics_of_the_tables_it_wrote(tmp_path):
    import_feed(write_feed(tmp_path, RAIL_FEED), "--seats", "10")

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'trains_stop'")
            assert cursor.fetchone()[0] == Stop.objects.count()
        else:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'trains_stop'")
            assert cursor.fetchall(), "trains_stop has no statistics"


# --skip-invalid: the valid trips are imported, each rejected one is named with its reasons


def test_skip_invalid_imports_the_valid_trips_and_names_each_rejected_one(tmp_path):
    output = import_feed(write_feed(tmp_path, MIXED_FEED), "--seats", "100", "--skip-invalid")

    assert list(Train.objects.values_list("train_number", flat=True)) == [11]
    assert "1 trips imported, 8 rejected." in output
    assert (
        "Rejected trip 'BAD_TIME':\n  stop_times.txt line 6: arrival_time '30:65:00' is not HH:MM:SS"
        in output
    )
    assert "Rejected trip 'NO_STOP':\n  stop_times.txt line 10: stop_id 'Z' is not in stops.txt" in output
    assert "trips.txt line 8: route_id 'X' is not in routes.txt" in output


def test_without_skip_invalid_the_same_feed_is_refused_and_nothing_is_written(tmp_path):
    with pytest.raises(CommandError, match="nothing was imported"):
        import_feed(write_feed(tmp_path, MIXED_FEED), "--seats", "100")

    assert not Train.objects.exists()
    assert not Station.objects.exists()


def test_skip_invalid_still_refuses_a_feed_with_a_defect_no_trip_owns(tmp_path):
    files = {**MIXED_FEED, "calendar.txt": None}

    with pytest.raises(CommandError, match=r"calendar\.txt: required file is missing"):
        import_feed(write_feed(tmp_path, files), "--seats", "100", "--skip-invalid")

    assert not Train.objects.exists()


def test_skip_invalid_prints_the_first_hundred_rejected_trips_and_counts_the_rest(tmp_path):
    trips = "route_id,service_id,trip_id\nR,DAILY,T1\n" + "".join(f"X,DAILY,BAD{n}\n" for n in range(105))
    stop_times = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
        f"{trip},08:00:00,08:00:00,A,1\n{trip},09:00:00,09:00:00,B,2\n"
        for trip in ["T1", *(f"BAD{n}" for n in range(105))]
    )

    output = import_feed(
        write_feed(tmp_path, minimal_with({"trips.txt": trips, "stop_times.txt": stop_times})),
        "--seats",
        "100",
        "--skip-invalid",
    )

    assert "1 trips imported, 105 rejected." in output
    assert output.count("Rejected trip") == 100
    assert "Rejected trip 'BAD99'" in output and "BAD100'" not in output
    assert "... and 5 more trips rejected." in output


# --- Time zones --------------------------------------------------------------------------------


def agency_in(time_zone: str) -> str:
    return f"agency_id,agency_name,agency_url,agency_timezone\nRAIL,Rail,https://rail.example,{time_zone}\n"


def times_found(client, source: str, destination: str, journey_date: str) -> list[tuple[str, str, str]]:
    response = client.get(
        "/user/get_seat_availability/",
        {"source": source, "destination": destination, "journey_date": journey_date},
    )
    assert response.status_code == 200, response.content
    return [(row["journey_date"], row["departure"], row["arrival"]) for row in response.json()]


def test_an_asian_railways_times_are_its_own_local_times(tmp_path, owner_client):
    import_feed(write_feed(tmp_path, minimal_with({"agency.txt": agency_in("Asia/Kolkata")})), "--seats", "9")

    assert set(Station.objects.values_list("time_zone", flat=True)) == {"Asia/Kolkata"}
    assert times_found(owner_client, "Alpha", "Gamma", "2025-01-06") == [
        ("2025-01-06", "2025-01-06T08:00:00+05:30", "2025-01-06T09:00:00+05:30")
    ]


# Alpha keeps London's clock, an hour behind the agency's (Paris), in which the feed's times are written.
LONDON_ALPHA = """
    stop_id,stop_name,stop_timezone
    A,Alpha,Europe/London
    B,Beta,
    C,Gamma,
"""


def test_a_train_from_a_station_in_another_zone_than_the_agencys_leaves_at_the_same_instant(
    tmp_path, owner_client
):
    stop_times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,07:01:00,07:01:00,A,1
        T1,08:30:00,08:32:00,B,2
        T1,09:20:00,09:20:00,C,3
    """
    files = {"agency.txt": agency_in("Europe/Paris"), "stops.txt": LONDON_ALPHA, "stop_times.txt": stop_times}

    import_feed(write_feed(tmp_path, minimal_with(files)), "--seats", "9")

    assert dict(Station.objects.values_list("name", "time_zone")) == {
        "Alpha": "Europe/London",
        "Beta": "Europe/Paris",
        "Gamma": "Europe/Paris",
    }
    # 07:01 in Paris is 06:01 in London, where the train starts.
    assert Train.objects.get().departs_at == datetime.time(6, 1)
    assert times_found(owner_client, "Alpha", "Gamma", "2025-01-06") == [
        ("2025-01-06", "2025-01-06T06:01:00Z", "2025-01-06T09:20:00+01:00")
    ]


def test_a_train_the_zones_move_to_the_day_before_runs_on_the_days_before_its_services(
    tmp_path, owner_client
):
    files = {
        "agency.txt": agency_in("Europe/Paris"),
        "stops.txt": LONDON_ALPHA,
        "stop_times.txt": """
            trip_id,arrival_time,departure_time,stop_id,stop_sequence
            T1,00:30:00,00:30:00,A,1
            T1,01:00:00,01:00:00,B,2
            T1,01:30:00,01:30:00,C,3
        """,
        "calendar.txt": """
            service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
            DAILY,1,0,0,0,0,0,0,20250106,20250331
        """,
        "calendar_dates.txt": """
            service_id,date,exception_type
            DAILY,20250113,2
            DAILY,20250115,1
        """,
    }

    import_feed(write_feed(tmp_path, minimal_with(files)), "--seats", "9")

    # 00:30 on a Monday in Paris is 23:30 on the Sunday before in London.
    train = Train.objects.get()
    assert train.departs_at == datetime.time(23, 30)
    starts = [
        day
        for day in (datetime.date(2025, 1, 4) + datetime.timedelta(days=n) for n in range(12))
        if train_starts_on(train=train, day=day)
    ]
    assert starts == [datetime.date(2025, 1, 5), datetime.date(2025, 1, 14)]
    assert times_found(owner_client, "Alpha", "Gamma", "2025-01-05") == [
        ("2025-01-05", "2025-01-05T23:30:00Z", "2025-01-06T01:30:00+01:00")
    ]


# Stations by stop_id

TWO_CENTRALS = minimal_with(
    {
        "stops.txt": "stop_id,stop_name\nN_CEN,Central\nN_HAR,Harbour\nS_CEN,Central\nS_HAR,Harbour\n",
        "trips.txt": "route_id,service_id,trip_id,trip_short_name\nR,DAILY,NORTH,11\nR,DAILY,SOUTH,12\n",
        "stop_times.txt": (
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            "NORTH,10:00:00,10:00:00,N_CEN,1\nNORTH,11:00:00,11:00:00,N_HAR,2\n"
            "SOUTH,10:00:00,10:00:00,S_CEN,1\nSOUTH,11:00:00,11:00:00,S_HAR,2\n"
        ),
    }
)


@IN_SERVICE
def test_two_stops_of_one_name_import_as_two_stations_whose_trains_work(tmp_path, owner, owner_client):
    import_feed(write_feed(tmp_path, TWO_CENTRALS), "--seats", "5")

    assert sorted(Station.objects.values_list("code", "name")) == [
        ("N_CEN", "Central"),
        ("N_HAR", "Harbour"),
        ("S_CEN", "Central"),
        ("S_HAR", "Harbour"),
    ]
    north = Train.objects.get(train_number=11)
    assert list(Stop.objects.filter(train=north).values_list("station__code", flat=True)) == [
        "N_CEN",
        "N_HAR",
    ]
    search = owner_client.get("/user/get_seat_availability/", {"source": "s_cen", "destination": "S_HAR"})
    assert [row["train_number"] for row in search.json()] == [12]
    # On a train, its own route tells the two Centrals apart.
    booking = booking_create(
        user=owner, train_number=11, seat_count=1, source="Central", destination="Harbour"
    )
    assert (booking.from_position, booking.to_position) == (0, 1)


def test_a_renamed_stop_keeps_its_station_on_reimport(tmp_path):
    import_feed(feed_in(tmp_path / "v1", MINIMAL_FEED), "--seats", "5")
    alpha = Station.objects.get(code="A")

    renamed = minimal_with({"stops.txt": "stop_id,stop_name\nA,Alpha Central\nB,Beta\nC,Gamma\n"})
    import_feed(feed_in(tmp_path / "v2", renamed), "--seats", "5")

    alpha.refresh_from_db()
    assert alpha.name == "Alpha Central"
    assert Station.objects.count() == 3
    assert list(alpha.words.order_by("word").values_list("word", flat=True)) == ["alpha", "central"]


def test_a_feed_stop_takes_over_the_station_whose_code_is_its_stop_id(tmp_path):
    surat = Station.objects.create(code="a", name="Surat")

    import_feed(write_feed(tmp_path, MINIMAL_FEED), "--seats", "5")

    surat.refresh_from_db()
    assert (surat.code, surat.name) == ("a", "Alpha")
    assert Station.objects.count() == 3
