"""`import_gtfs --coaches 3A:B1-B4:64,SL:S1-S10:72`: the coaches of every train an import creates."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from trains.models import Coach, Train
from trains.tests.feeds import MINIMAL_FEED, RAIL_FEED, minimal_with, write_feed

pytestmark = pytest.mark.django_db


def import_feed(path, *args: str) -> str:
    output = StringIO()
    call_command("import_gtfs", str(path), *args, stdout=output, stderr=StringIO())
    return output.getvalue()


def coaches_of(train: Train) -> list[tuple]:
    return list(
        Coach.objects.filter(train=train)
        .order_by("position")
        .values_list("coach", "travel_class", "seats", "layout")
    )


def test_every_train_created_has_the_coaches_named_in_order_and_their_seats(tmp_path):
    output = import_feed(write_feed(tmp_path, RAIL_FEED), "--coaches", "3A:B1-B4:64,SL:S1-S10:72")

    assert "3 trains created" in output
    expected = [(f"B{n}", "3A", 64, "seats-2x2") for n in range(1, 5)]
    expected += [(f"S{n}", "SL", 72, "seats-2x2") for n in range(1, 11)]
    for train in Train.objects.all():
        assert coaches_of(train) == expected
        assert train.total_seats == 4 * 64 + 10 * 72


def test_a_part_may_name_one_coach_and_its_layout_and_codes_are_upper_case(tmp_path):
    import_feed(write_feed(tmp_path, MINIMAL_FEED), "--coaches", "1a:h1:24:berths-4,sl:s1-s2:72:berths-8")

    assert coaches_of(Train.objects.get()) == [
        ("H1", "1A", 24, "berths-4"),
        ("S1", "SL", 72, "berths-8"),
        ("S2", "SL", 72, "berths-8"),
    ]


def test_seats_may_be_given_with_coaches_when_they_are_their_total(tmp_path):
    import_feed(write_feed(tmp_path, MINIMAL_FEED), "--coaches", "3A:B1-B2:64", "--seats", "128")

    assert Train.objects.get().total_seats == 128


def test_seats_that_are_not_the_coaches_total_are_refused(tmp_path):
    with pytest.raises(CommandError, match="have 128 seats, but --seats is 100"):
        import_feed(write_feed(tmp_path, MINIMAL_FEED), "--coaches", "3A:B1-B2:64", "--seats", "100")

    assert not Train.objects.exists()


def test_without_coaches_seats_are_required(tmp_path):
    with pytest.raises(CommandError, match="Give --seats"):
        import_feed(write_feed(tmp_path, MINIMAL_FEED))


@pytest.mark.parametrize(
    ("coaches", "error"),
    [
        ("", "No coaches given"),
        ("3A:B1-B4", "is not CLASS:CODES:SEATS"),
        ("3A:B1-B4:64:seats-2x2:x", "is not CLASS:CODES:SEATS"),
        ("3A:B4-B1:64", "runs backwards"),
        ("3A:B1-C4:64", "different prefixes"),
        ("3A:B-C:64", "a range of coaches is FIRST-LAST"),
        ("3A:B1-B200:64", "more than the 100 coaches"),
        ("3A:B1-B4:0", "a number from 1 to 200"),
        ("3A:B1-B4:201", "a number from 1 to 200"),
        ("3A:B1-B4:sixty", "a number from 1 to 200"),
        ("3A:B1-B4:64:hammocks", "the layout must be one of"),
        ("3-A:B1:64", "the class must be 1 to 8"),
        ("3A:B#1:64", "a coach code is 1 to 8"),
        ("3A:B1-B4:64,SL:b3-B5:72", "Coach B3 comes more than once"),
        ("3A:A1-A60:64,SL:S1-S41:72", "1 to 100 coaches"),
    ],
)
def test_coaches_no_train_can_have_are_refused_before_the_feed_is_read(tmp_path, coaches, error):
    with pytest.raises(CommandError, match=error) as refused:
        import_feed(write_feed(tmp_path, MINIMAL_FEED), f"--coaches={coaches}")

    assert "argument --coaches" in str(refused.value)
    assert not Train.objects.exists()


def test_a_train_the_import_updates_keeps_its_coaches(tmp_path):
    (tmp_path / "v1").mkdir()
    import_feed(write_feed(tmp_path / "v1", MINIMAL_FEED), "--coaches", "3A:B1-B2:64")
    train = Train.objects.get()
    before = list(Coach.objects.filter(train=train).values_list("pk", "coach", "seats"))

    retimed = minimal_with({"stop_times.txt": MINIMAL_FEED["stop_times.txt"].replace("09:00:00", "09:05:00")})
    (tmp_path / "v2").mkdir()
    output = import_feed(write_feed(tmp_path / "v2", retimed), "--coaches", "SL:S1-S3:72")

    assert "1 updated" in output
    assert list(Coach.objects.filter(train=train).values_list("pk", "coach", "seats")) == before
