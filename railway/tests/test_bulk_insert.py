"""rows_insert and rows_update: many rows in one go, each reading back as the ORM would have written it."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from railway.db.bulk import rows_insert, rows_update
from trains.models import ServiceException, Stop, Train

pytestmark = pytest.mark.django_db

AWKWARD_NAMES = ["tab\there", "new\nline", "back\\slash \\N", "carriage\rreturn", "Zürich «HB» 'x' \"y\"", ""]


def test_text_reads_back_unchanged_whatever_its_characters():
    created = timezone.now()
    rows = [(1000 + index, name, 10, created) for index, name in enumerate(AWKWARD_NAMES)]

    assert rows_insert(Train, ["train_number", "name", "total_seats", "created_at"], rows) == len(rows)

    stored = Train.objects.filter(train_number__gte=1000).order_by("train_number")
    assert [(train.name, train.created_at) for train in stored] == [(name, created) for name in AWKWARD_NAMES]


def test_durations_dates_booleans_and_nulls_read_back_unchanged(make_train):
    train = make_train(7, 10, "A", "B")
    stations = list(Stop.objects.filter(train=train).order_by("position").values_list("station", flat=True))
    Stop.objects.filter(train=train).delete()
    times = [
        (None, datetime.timedelta(0)),
        (datetime.timedelta(days=2, hours=3, microseconds=7), None),
    ]
    rows_insert(
        Stop,
        ["train", "station", "position", "arrival", "departure"],
        [(train.pk, station, position, *times[position]) for position, station in enumerate(stations)],
    )
    rows_insert(
        ServiceException,
        ["train", "date", "runs"],
        [(train.pk, datetime.date(2027, 1, 1), True), (train.pk, datetime.date(2027, 1, 2), False)],
    )

    assert list(Stop.objects.filter(train=train).values_list("arrival", "departure")) == times
    assert list(ServiceException.objects.filter(train=train).values_list("date", "runs")) == [
        (datetime.date(2027, 1, 1), True),
        (datetime.date(2027, 1, 2), False),
    ]


def test_the_database_constraints_check_every_row(make_train):
    train = make_train(7, 10, "A", "B")
    rows = [(train.pk, datetime.date(2027, 1, 1), True)] * 2

    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(ServiceException, ["train", "date", "runs"], rows)

    assert not ServiceException.objects.filter(train=train).exists()


def test_no_rows_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert rows_insert(ServiceException, ["train", "date", "runs"], []) == 0


def test_an_update_sets_the_fields_of_every_row_given_and_no_other(make_train):
    first, second, third = (make_train(number, 10, "A", "B") for number in (1, 2, 3))

    count = rows_update(
        Train,
        ["name", "service_from", "departs_at"],
        [
            (first.pk, "tab\there", datetime.date(2027, 1, 1), datetime.time(6, 30)),
            (second.pk, "back\\slash", None, datetime.time(23, 59, 59)),
        ],
    )

    assert count == 2
    stored = {train.pk: train for train in Train.objects.all()}
    assert (stored[first.pk].name, stored[first.pk].service_from, stored[first.pk].departs_at) == (
        "tab\there",
        datetime.date(2027, 1, 1),
        datetime.time(6, 30),
    )
    assert (stored[second.pk].name, stored[second.pk].service_from, stored[second.pk].departs_at) == (
        "back\\slash",
        None,
        datetime.time(23, 59, 59),
    )
    assert (stored[third.pk].name, stored[third.pk].total_seats) == ("", 10)


def test_two_updates_in_one_transaction_each_apply_their_own_rows(make_train):
    first, second = (make_train(number, 10, "A", "B") for number in (1, 2))

    with transaction.atomic():
        rows_update(Train, ["name"], [(first.pk, "one")])
        rows_update(Train, ["name"], [(second.pk, "two")])

    assert dict(Train.objects.values_list("pk", "name")) == {first.pk: "one", second.pk: "two"}
