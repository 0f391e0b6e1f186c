"""An import applies its plan batch by batch: sales on the trains it has written, or not yet locked,
go on meanwhile (PostgreSQL), and a second import is refused while one runs."""

import datetime
import threading
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from bookings import timetable_import
from bookings.errors import TrainNotFound
from bookings.models import Booking
from bookings.services import booking_create
from bookings.tests.locks import wait_for_a_session_waiting_on_a_lock
from bookings.timetable_import import Action, import_lock
from trains.tests.feeds import minimal_with, write_feed

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="PostgreSQL's row locks, which let other sales go on"
    ),
]

TOMORROW = datetime.date(2025, 1, 7)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2025, 1, 6, 1, tzinfo=datetime.UTC), tick=False):
        yield


def two_trains(minutes: int) -> dict:
    """Trains 1 and 2 from Alpha to Gamma, the second `minutes` past 8 and 9 o'clock."""
    stop_times = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    for trip, hour in (("T1", 8), ("T2", 9)):
        stop_times += f"{trip},{hour:02d}:{minutes:02d}:00,{hour:02d}:{minutes:02d}:00,A,1\n"
        stop_times += f"{trip},{hour:02d}:50:00,{hour:02d}:50:00,C,2\n"
    trips = "route_id,service_id,trip_id,trip_short_name\nR,DAILY,T1,1\nR,DAILY,T2,2\n"
    return minimal_with({"trips.txt": trips, "stop_times.txt": stop_times})


def train_2_only() -> dict:
    """The next version of two_trains(0): train 1 no longer runs."""
    files = two_trains(0)
    files["trips.txt"] = "route_id,service_id,trip_id,trip_short_name\nR,DAILY,T2,2\n"
    files["stop_times.txt"] = "\n".join(
        line for line in files["stop_times.txt"].splitlines() if not line.startswith("T1,")
    )
    return files


def import_feed(tmp_path, name, files) -> str:
    directory = tmp_path / name
    directory.mkdir()
    output = StringIO()
    call_command(
        "import_gtfs", str(write_feed(directory, files)), "--seats", "10", "--no-progress", stdout=output
    )
    return output.getvalue()


def in_a_thread(work) -> list:
    """Run `work` on a thread of its own (its own connection); return what it returned or raised."""
    outcome: list = []

    def run() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # Waiting at all is the failure: a lock held by the import ends the wait at
                    # once. LOCAL: for this transaction only, which a pooler's next client never sees.
                    cursor.execute("SET LOCAL lock_timeout = '200ms'")
                outcome.append(work())
        except BaseException as error:  # returned to the test
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    return outcome


def test_a_train_already_written_sells_while_the_import_holds_the_next_batch(tmp_path, owner, monkeypatch):
    import_feed(tmp_path, "v1", two_trains(0))
    for number in (1, 2):
        booking_create(user=owner, train_number=number, seat_count=1, journey_date=TOMORROW)
    monkeypatch.setattr(timetable_import, "IMPORT_BATCH_TRAINS", 1)
    apply_batch = timetable_import._batch_apply
    sales_during_second_batch: list = []

    def batch_then_sell(batch, **kwargs):
        disrupted = apply_batch(batch, **kwargs)
        if batch[0].feed.number == 2:
            # Train 2 and its journeys are locked until this batch commits; train 1 is written.
            for number in (1, 2):
                sale = in_a_thread(
                    lambda number=number: booking_create(
                        user=owner, train_number=number, seat_count=1, journey_date=TOMORROW
                    )
                )
                sales_during_second_batch.append(sale[0])
        return disrupted

    monkeypatch.setattr(timetable_import, "_batch_apply", batch_then_sell)

    output = import_feed(tmp_path, "v2", two_trains(10))

    assert "0 trains created, 2 updated" in output
    sold_on_train_1, waiting_on_train_2 = sales_during_second_batch
    assert isinstance(sold_on_train_1, Booking) and sold_on_train_1.train.train_number == 1
    # Only the batch's own train makes a sale wait, and only while that batch is written.
    assert "lock timeout" in str(waiting_on_train_2)
    later = booking_create(user=owner, train_number=2, seat_count=1, journey_date=TOMORROW)
    assert later.status == Booking.Status.CONFIRMED


def test_a_second_import_is_refused_while_one_runs(tmp_path):
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        try:
            with import_lock():
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        with pytest.raises(CommandError, match="Another import is running"):
            import_feed(tmp_path, "v1", two_trains(0))
    finally:
        release.set()
        thread.join(timeout=30)

    assert "2 trains created" in import_feed(tmp_path, "v2", two_trains(0))


def test_a_sale_that_waited_for_a_train_the_import_withdraws_sells_nothing_on_it(
    tmp_path, owner, monkeypatch
):
    import_feed(tmp_path, "v1", two_trains(0))
    booked = booking_create(user=owner, train_number=1, seat_count=1, journey_date=TOMORROW)
    apply_batch = timetable_import._batch_apply
    sale: list = []
    threads: list[threading.Thread] = []

    def withdraw_with_a_sale_waiting(batch, **kwargs):
        disrupted = apply_batch(batch, **kwargs)
        if batch[0].action == Action.WITHDRAW:
            # The sale reads train 1 as it was and waits for its journey, which the batch holds.
            def sell() -> None:
                try:
                    sale.append(
                        booking_create(user=owner, train_number=1, seat_count=1, journey_date=TOMORROW)
                    )
                except BaseException as error:  # returned to the test
                    sale.append(error)
                finally:
                    connection.close()

            threads.append(threading.Thread(target=sell))
            threads[0].start()
            wait_for_a_session_waiting_on_a_lock(connection)
        return disrupted

    monkeypatch.setattr(timetable_import, "_batch_apply", withdraw_with_a_sale_waiting)

    output = import_feed(tmp_path, "v2", train_2_only())

    threads[0].join(timeout=30)
    assert "1 withdrawn" in output
    assert isinstance(sale[0], TrainNotFound)
    assert list(Booking.objects.filter(train__train_number=1).values_list("pk", flat=True)) == [booked.pk]
