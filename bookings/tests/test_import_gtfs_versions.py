"""`import_gtfs` with train numbers repeated across variants, and feed versions replacing the last.

Today is pinned to Monday 6 January 2025, 01:00 UTC, inside the test feeds' year of service.
"""

import datetime
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookings.management.commands import import_gtfs as import_gtfs_command
from bookings.models import Booking, ImportLease
from bookings.services import booking_create
from bookings.tests.invariants import assert_inventory_is_consistent
from bookings.timetable_import import import_lock
from railway.tests.bodies import error_body
from trains.models import ServiceException, Stop, Train
from trains.tests.feeds import minimal_with, write_feed

BOOK_URL = "/user/book_seat/"
SEARCH_URL = "/user/get_seat_availability/"
MONDAY = datetime.date(2025, 1, 6)
TUESDAY = datetime.date(2025, 1, 7)
WEDNESDAY = datetime.date(2025, 1, 8)
SATURDAY = datetime.date(2025, 1, 11)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2025, 1, 6, 1, tzinfo=datetime.UTC), tick=False):
        yield


CALENDAR = """
    service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
    WEEKDAYS,1,1,1,1,1,0,0,20250101,20251231
    WEEKEND,0,0,0,0,0,1,1,20250101,20251231
    DAILY,1,1,1,1,1,1,1,20250101,20251231
"""

# Train 1944 runs A-B-C at 08:00 on weekdays and A-C at 10:00 at weekends; train 7 runs daily.
VARIANTS = minimal_with(
    {
        "trips.txt": """
            route_id,service_id,trip_id,trip_short_name
            R,WEEKDAYS,T_WEEK,1944
            R,WEEKEND,T_WEEKEND,1944
            R,DAILY,T_DAILY,7
        """,
        "stop_times.txt": """
            trip_id,arrival_time,departure_time,stop_id,stop_sequence
            T_WEEK,08:00:00,08:00:00,A,1
            T_WEEK,08:30:00,08:32:00,B,2
            T_WEEK,09:00:00,09:00:00,C,3
            T_WEEKEND,10:00:00,10:00:00,A,1
            T_WEEKEND,11:00:00,11:00:00,C,2
            T_DAILY,12:00:00,12:00:00,A,1
            T_DAILY,12:30:00,12:30:00,B,2
            T_DAILY,13:00:00,13:00:00,C,3
        """,
        "calendar.txt": CALENDAR,
    }
)


def version(**changes: str) -> dict:
    """Return the VARIANTS feed with some of its files changed."""
    return {**VARIANTS, **changes}


def import_feed(tmp_path, files, *args: str) -> str:
    directory = tmp_path / f"v{len(list(tmp_path.iterdir()))}"
    directory.mkdir()
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


def book(client, train_number, journey_date, **fields):
    body = {"train_number": train_number, "seat_count": 1, "journey_date": journey_date.isoformat(), **fields}
    return client.post(BOOK_URL, body, format="json")


def active() -> list[tuple[int, str]]:
    return list(
        Train.objects.filter(withdrawn_at__isnull=True)
        .order_by("trip_id")
        .values_list("train_number", "trip_id")
    )


def test_a_number_repeated_across_calendar_variants_books_the_variant_running_on_each_date(
    tmp_path, owner_client
):
    import_feed(tmp_path, VARIANTS)

    weekday = book(owner_client, 1944, TUESDAY)
    weekend = book(owner_client, 1944, SATURDAY, source="Alpha", destination="Gamma")

    assert weekday.status_code == 201 and weekend.status_code == 201
    assert Booking.objects.get(pk=weekday.json()["booking_id"]).train.trip_id == "T_WEEK"
    assert Booking.objects.get(pk=weekend.json()["booking_id"]).train.trip_id == "T_WEEKEND"
    # Beta is on the weekday variant's route only.
    refused = book(owner_client, 1944, SATURDAY, source="Beta", destination="Gamma")
    assert refused.status_code == 400


def test_the_search_lists_the_variant_running_on_the_date(tmp_path, owner_client):
    import_feed(tmp_path, VARIANTS)

    def departures(day):
        response = owner_client.get(
            SEARCH_URL, {"source": "Alpha", "destination": "Gamma", "journey_date": day}
        )
        assert response.status_code == 200
        return [(row["train_number"], row["departure"][11:16]) for row in response.json()]

    assert departures(TUESDAY.isoformat()) == [(1944, "08:00"), (7, "12:00")]
    assert departures(SATURDAY.isoformat()) == [(1944, "10:00"), (7, "12:00")]


def test_two_variants_of_a_number_on_a_common_date_refuse_the_feed_naming_both_trips(tmp_path):
    overlapping = version(
        **{
            "trips.txt": """
                route_id,service_id,trip_id,trip_short_name
                R,WEEKDAYS,T_WEEK,1944
                R,DAILY,T_WEEKEND,1944
                R,DAILY,T_DAILY,7
            """
        }
    )

    with pytest.raises(CommandError) as refused:
        import_feed(tmp_path, overlapping)

    assert (
        "trips.txt line 3: train number 1944 (trip_short_name) runs on 2025-01-01 both as this trip and as "
        "trip 'T_WEEK' on line 2"
    ) in str(refused.value)
    assert not Train.objects.exists()


def test_a_feed_that_regenerates_its_trip_ids_updates_its_trains_instead_of_adding_them(tmp_path):
    import_feed(tmp_path, VARIANTS)
    before = dict(Train.objects.values_list("trip_id", "pk"))
    renamed = {
        name: text.replace("T_WEEKEND", "X2").replace("T_WEEK", "X1").replace("T_DAILY", "X3")
        for name, text in VARIANTS.items()
    }

    output = import_feed(tmp_path, renamed)

    assert "0 trains created, 3 updated, 0 unchanged, 0 withdrawn" in output
    assert active() == [(1944, "X1"), (1944, "X2"), (7, "X3")]
    after = dict(Train.objects.values_list("trip_id", "pk"))
    assert [after["X1"], after["X2"], after["X3"]] == [
        before["T_WEEK"],
        before["T_WEEKEND"],
        before["T_DAILY"],
    ]


def test_importing_the_same_version_again_writes_nothing(tmp_path):
    import_feed(tmp_path, VARIANTS)
    stops = list(Stop.objects.order_by("pk").values_list("pk", flat=True))

    output = import_feed(tmp_path, VARIANTS)

    assert "0 trains created, 0 updated, 3 unchanged, 0 withdrawn" in output
    assert list(Stop.objects.order_by("pk").values_list("pk", flat=True)) == stops


def without_daily() -> dict:
    return version(
        **{
            "trips.txt": """
                route_id,service_id,trip_id,trip_short_name
                R,WEEKDAYS,T_WEEK,1944
                R,WEEKEND,T_WEEKEND,1944
            """,
            "stop_times.txt": "\n".join(
                line for line in VARIANTS["stop_times.txt"].splitlines() if "T_DAILY" not in line
            ),
        }
    )


def test_a_train_gone_from_the_feed_is_withdrawn_and_its_bookings_kept_and_reported(
    tmp_path, owner, owner_client
):
    import_feed(tmp_path, VARIANTS)
    booking = booking_create(user=owner, train_number=7, seat_count=2, journey_date=TUESDAY)

    output = import_feed(tmp_path, without_daily())

    assert "0 trains created, 0 updated, 2 unchanged, 1 withdrawn" in output
    assert (
        f"Booking {booking.pk} (user {owner.pk}): train 7 on 2025-01-07, Alpha -> Gamma, 2 seat(s): cancelled"
        in (output)
    )
    withdrawn = Train.objects.get(trip_id="T_DAILY")
    assert withdrawn.withdrawn_at is not None
    search = owner_client.get(
        SEARCH_URL, {"source": "Alpha", "destination": "Gamma", "journey_date": "2025-01-07"}
    )
    assert [row["train_number"] for row in search.json()] == [1944]
    refused = book(owner_client, 7, TUESDAY)
    assert refused.status_code == 404 and error_body(refused)["code"] == "train_not_found"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.train_id == withdrawn.pk


def retimed() -> dict:
    # Train 7 reaches Beta ten minutes later, and no longer runs on Wednesday 8 January.
    return version(
        **{
            "stop_times.txt": VARIANTS["stop_times.txt"].replace(
                "T_DAILY,12:30:00,12:30:00", "T_DAILY,12:40:00,12:40:00"
            ),
            "calendar_dates.txt": """
                service_id,date,exception_type
                DAILY,20250108,2
            """,
        }
    )


@pytest.fixture
def booked(tmp_path, owner, other_user):
    """Bookings on train 7: Alpha-Beta on Tuesday and Wednesday, and Alpha-Gamma on Tuesday."""
    import_feed(tmp_path, VARIANTS)
    return {
        "to_beta": booking_create(
            user=owner, train_number=7, seat_count=1, journey_date=TUESDAY, source="Alpha", destination="Beta"
        ),
        "whole": booking_create(user=other_user, train_number=7, seat_count=1, journey_date=TUESDAY),
        "wednesday": booking_create(
            user=owner,
            train_number=7,
            seat_count=1,
            journey_date=WEDNESDAY,
            source="Alpha",
            destination="Beta",
        ),
    }


def test_retimed_and_cancelled_journeys_with_bookings_are_reported_and_left_confirmed(tmp_path, booked):
    report = tmp_path / "report.json"

    output = import_feed(tmp_path, retimed(), "--report", str(report))

    to_beta, whole, wednesday = booked["to_beta"], booked["whole"], booked["wednesday"]
    assert "0 trains created, 1 updated, 2 unchanged, 0 withdrawn" in output
    assert "2 confirmed bookings on future journeys disrupted" in output
    assert f"Booking {to_beta.pk} " in output and "Alpha -> Beta, 1 seat(s): retimed" in output
    assert (
        f"Booking {wednesday.pk} " in output and "2025-01-08, Alpha -> Beta, 1 seat(s): cancelled" in output
    )
    # Its stations' times are the same: Beta is only passed through.
    assert f"Booking {whole.pk} " not in output
    written = json.loads(report.read_text())
    assert written["dry_run"] is False
    assert written["trains"] == {"created": 0, "updated": 1, "unchanged": 2, "withdrawn": 0, "replaced": 0}
    assert [
        (row["booking_id"], row["change"], row["arrival_before"], row["arrival_after"], row["cancelled"])
        for row in written["disrupted_bookings"]
    ] == [
        (to_beta.pk, "retimed", "2025-01-07T12:30:00+00:00", "2025-01-07T12:40:00+00:00", False),
        (wednesday.pk, "cancelled", "2025-01-08T12:30:00+00:00", None, False),
    ]
    assert set(Booking.objects.values_list("status", flat=True)) == {Booking.Status.CONFIRMED}
    assert ServiceException.objects.filter(date=WEDNESDAY, runs=False).exists()


def test_a_dry_run_reports_the_same_and_writes_nothing(tmp_path, booked):
    trains = list(Train.objects.order_by("pk").values())
    stops = list(Stop.objects.order_by("pk").values())
    report = tmp_path / "report.json"

    output = import_feed(tmp_path, retimed(), "--dry-run", "--report", str(report))

    assert "Dry run: nothing was written." in output
    assert "0 trains created, 1 updated, 2 unchanged, 0 withdrawn" in output
    assert "2 confirmed bookings on future journeys disrupted" in output
    assert json.loads(report.read_text())["dry_run"] is True
    assert list(Train.objects.order_by("pk").values()) == trains
    assert list(Stop.objects.order_by("pk").values()) == stops
    assert not ServiceException.objects.exists()


def test_cancel_disrupted_cancels_the_disrupted_bookings_and_frees_their_seats(tmp_path, booked):
    report = tmp_path / "report.json"

    output = import_feed(tmp_path, retimed(), "--cancel-disrupted", "--report", str(report))

    assert "2 of them cancelled." in output
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {
        booked["to_beta"].pk: Booking.Status.CANCELLED,
        booked["whole"].pk: Booking.Status.CONFIRMED,
        booked["wednesday"].pk: Booking.Status.CANCELLED,
    }
    assert [row["cancelled"] for row in json.loads(report.read_text())["disrupted_bookings"]] == [True, True]
    assert_inventory_is_consistent(Train.objects.get(train_number=7))


def test_a_dry_run_cannot_cancel(tmp_path):
    with pytest.raises(CommandError, match="cannot --cancel-disrupted"):
        import_feed(tmp_path, VARIANTS, "--dry-run", "--cancel-disrupted")


def test_past_its_limit_the_printed_list_counts_the_rest_and_the_report_lists_them_all(
    tmp_path, booked, monkeypatch
):
    monkeypatch.setattr(import_gtfs_command, "DISRUPTED_SHOWN_MAX", 1)
    report = tmp_path / "report.json"

    output = import_feed(tmp_path, retimed(), "--report", str(report))

    assert "2 confirmed bookings on future journeys disrupted" in output
    assert f"Booking {booked['to_beta'].pk} " in output
    assert f"Booking {booked['wednesday'].pk} " not in output
    assert "... and 1 more; --report FILE lists them all." in output
    assert len(json.loads(report.read_text())["disrupted_bookings"]) == 2


def test_an_import_is_refused_while_another_holds_the_lease_and_runs_once_it_ends(tmp_path):
    with import_lock():
        with pytest.raises(CommandError, match="Another import is running"):
            import_feed(tmp_path, VARIANTS)
        assert not Train.objects.exists()

    assert "3 trains created" in import_feed(tmp_path, VARIANTS)
    assert ImportLease.objects.get().holder == ""


def test_the_lease_of_an_import_that_died_expires_and_lets_the_next_run(tmp_path):
    ImportLease.objects.update_or_create(
        id=ImportLease.ONLY,
        defaults={"holder": "died", "expires_at": timezone.now() - datetime.timedelta(seconds=1)},
    )

    assert "3 trains created" in import_feed(tmp_path, VARIANTS)
