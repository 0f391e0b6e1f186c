"""Timetable variants: one train number over several trains, never two of them on one date."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from trains.models import Train
from trains.selectors import train_on_day
from trains.variants import Calendar, RunningDates, calendars_sharing_a_date, variants_sharing_a_date

MONDAY = datetime.date(2026, 11, 23)
SATURDAY = MONDAY + datetime.timedelta(days=5)
WEEKDAYS, WEEKEND = 0b001_1111, 0b110_0000


def dates(*days: datetime.date) -> RunningDates:
    return RunningDates.of(days)


def test_variants_on_distinct_dates_share_none():
    assert variants_sharing_a_date([("a", dates(MONDAY)), ("b", dates(SATURDAY))]) == []


def test_a_variant_on_a_date_of_an_earlier_one_is_named_with_it_and_the_date():
    clashes = variants_sharing_a_date(
        [("a", dates(SATURDAY)), ("b", dates(MONDAY)), ("c", dates(SATURDAY, MONDAY)), ("d", dates(MONDAY))]
    )

    assert clashes == [("b", "c", MONDAY), ("b", "d", MONDAY)]


def test_running_dates_are_the_weekdays_of_a_span_as_sets_of_dates():
    span = RunningDates.weekly(weekdays={0, 5}, first=MONDAY, last=MONDAY + datetime.timedelta(days=13))
    a_week_on = MONDAY + datetime.timedelta(days=7)

    assert [day for day in (MONDAY + datetime.timedelta(days=n) for n in range(20)) if day in span] == [
        MONDAY,
        SATURDAY,
        a_week_on,
        SATURDAY + datetime.timedelta(days=7),
    ]
    assert len(span - dates(a_week_on)) == 3 and (span & dates(a_week_on)).earliest() == a_week_on
    assert span.shifted(1).earliest() == MONDAY + datetime.timedelta(days=1)
    assert (dates(SATURDAY) | dates(MONDAY)).latest() == SATURDAY


def test_a_thousand_years_of_dates_take_kilobytes():
    every_day = RunningDates.weekly(
        weekdays=range(7), first=datetime.date(1900, 1, 1), last=datetime.date(2999, 12, 31)
    )

    assert len(every_day) == (datetime.date(2999, 12, 31) - datetime.date(1900, 1, 1)).days + 1
    assert every_day.bits.bit_length() // 8 < 60_000


def test_calendars_without_an_end_share_a_date_when_their_weekdays_meet():
    every_day = Calendar(0b111_1111, None, None, {})
    weekend = Calendar(WEEKEND, None, None, {})
    weekdays = Calendar(WEEKDAYS, None, None, {})

    assert calendars_sharing_a_date([("all", every_day), ("end", weekend)], today=MONDAY)
    assert calendars_sharing_a_date([("days", weekdays), ("end", weekend)], today=MONDAY) == []


def test_an_added_date_far_away_is_a_date_shared():
    far = datetime.date(2030, 6, 1)  # a Saturday
    weekend_until_2027 = Calendar(WEEKEND, None, datetime.date(2027, 1, 1), {})
    weekdays_with_a_saturday = Calendar(WEEKDAYS, None, None, {far: True})
    weekend_from_2030 = Calendar(WEEKEND, datetime.date(2030, 1, 1), None, {})

    assert (
        calendars_sharing_a_date([("a", weekend_until_2027), ("b", weekdays_with_a_saturday)], today=MONDAY)
        == []
    )
    assert calendars_sharing_a_date(
        [("a", weekend_from_2030), ("b", weekdays_with_a_saturday)], today=MONDAY
    ) == [("a", "b", far)]


@pytest.mark.django_db
def test_the_database_takes_a_trip_once_per_agency_among_active_trains():
    Train.objects.create(train_number=1, total_seats=1, agency_id="NS", trip_id="T1")
    Train.objects.create(train_number=2, total_seats=1, agency_id="DB", trip_id="T1")
    Train.objects.create(
        train_number=3, total_seats=1, agency_id="NS", trip_id="T1", withdrawn_at=timezone.now()
    )
    Train.objects.create(train_number=4, total_seats=1)
    Train.objects.create(train_number=5, total_seats=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Train.objects.create(train_number=6, total_seats=1, agency_id="NS", trip_id="T1")


@pytest.mark.django_db
def test_a_sale_reads_the_variant_running_on_its_date_and_never_a_withdrawn_one(make_train):
    weekdays = make_train(9, 4, "Alpha", "Beta")
    weekend = make_train(8, 4, "Alpha", "Gamma", "Beta")
    Train.objects.filter(pk=weekdays.pk).update(runs_on=WEEKDAYS)
    Train.objects.filter(pk=weekend.pk).update(runs_on=WEEKEND, train_number=9)

    assert train_on_day(train_number=9, day=MONDAY).train.pk == weekdays.pk
    on_saturday = train_on_day(train_number=9, day=SATURDAY)
    assert on_saturday.train.pk == weekend.pk
    assert [stop.station_name for stop in on_saturday.route] == ["Alpha", "Gamma", "Beta"]

    Train.objects.filter(pk=weekend.pk).update(withdrawn_at=timezone.now())
    # No variant runs: one comes back all the same, and its days refuse the sale.
    assert train_on_day(train_number=9, day=SATURDAY).train.pk == weekdays.pk
    Train.objects.filter(pk=weekdays.pk).update(withdrawn_at=timezone.now())
    assert train_on_day(train_number=9, day=MONDAY) is None


@pytest.mark.django_db
def test_add_train_refuses_an_active_number_and_takes_a_withdrawn_one(make_train):
    train = make_train(12, 4, "Alpha", "Beta")
    Train.objects.filter(pk=train.pk).update(withdrawn_at=timezone.now())

    again = make_train(12, 4, "Alpha", "Beta")

    assert again.pk != train.pk
    with pytest.raises(ValidationError, match="already exists"):
        make_train(12, 4, "Alpha", "Beta")
