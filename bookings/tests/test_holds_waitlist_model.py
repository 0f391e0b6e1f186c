"""Random sequences of sales, holds, the waitlist and the chart, through the API, against a plain model.

A train of four stops and two small classes is sold on random segments: outright, as holds, on
the waitlist, or as holds that may wait; holds are confirmed, extended and released; bookings and
some of their passengers are cancelled; the clock moves by small and large steps, onto a hold's
end and a second either side of it, and past the chart's time; bookings are read, seats searched
and charts prepared. Every answer must be the one `reference_journey` decides: the status and
error code, and each booking's status, reason, place on the waitlist, hold times, refunds and
seats; and the seats free per class on the segments asked. The model takes from the service only
the seats a party was given, and checks them.
"""

import datetime
import io
import itertools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings
from hypothesis import HealthCheck, event, example, given, settings, target
from hypothesis import strategies as st
from rest_framework.test import APIClient

from bookings.models import Journey
from bookings.tests.client_calls import AVAILABILITY_URL, BOOK_URL
from bookings.tests.reference_journey import (
    CENT,
    CONFIRMED,
    HELD,
    NOT_CONFIRMED_AT_CHART,
    WAITLISTED,
    ReferenceBooking,
    ReferenceJourney,
    Refused,
)
from trains.coach_plans import CoachPlan
from trains.fares import FarePlan
from trains.models import Stop
from trains.services import train_create
from users.models import User

DAY = datetime.date(2026, 12, 20)
SECOND = datetime.timedelta(seconds=1)
HOUR = datetime.timedelta(hours=1)
DEPARTURE = datetime.datetime.combine(DAY, datetime.time(10, 0), tzinfo=datetime.UTC)
# CHART_MINUTES_BEFORE_DEPARTURE's default.
CHART_AT = DEPARTURE - 4 * HOUR
# The clock stays this far from the departure, so that every sale and cancellation is still open.
LATEST = DEPARTURE - 2 * HOUR
HOLD_TTL_SECONDS = 60
HOLD_MAX_SECONDS = 150
DISTANCES_KM = [0, 60, 150, 260]
# Each class: its coach, seats and fare per km and minimum.
CLASSES = {"1A": ("A1", 3, "2.00", "150.00"), "SL": ("S1", 4, "0.50", "40.00")}
# Examples share the test's transaction: each has a train and a user of its own.
NUMBERS = itertools.count(74_000)
LIVE = (HELD, CONFIRMED, WAITLISTED)

pytestmark = pytest.mark.django_db


Pick = tuple[int, bool]


@dataclass(frozen=True)
class Sell:
    travel_class: str
    from_position: int
    to_position: int
    party: int
    hold: bool
    waitlist: bool


@dataclass(frozen=True)
class Confirm:
    nth: Pick


@dataclass(frozen=True)
class Extend:
    nth: Pick


@dataclass(frozen=True)
class CancelAll:
    nth: Pick


@dataclass(frozen=True)
class CancelSome:
    nth: Pick
    # Passenger ids modulo the booking's number of them: some may be cancelled already.
    picks: tuple[int, ...]


@dataclass(frozen=True)
class Tick:
    seconds: int


@dataclass(frozen=True)
class ToHoldEnd:
    # Which of the live holds' ends, modulo their number.
    nth: int
    # Seconds from the hold's end: one before, on it, one after, or a few after.
    offset: int


@dataclass(frozen=True)
class ToChart:
    offset: int


@dataclass(frozen=True)
class Read:
    nth: Pick


@dataclass(frozen=True)
class Search:
    from_position: int
    to_position: int


@dataclass(frozen=True)
class PrepareCharts:
    pass


@st.composite
def segments(draw: st.DrawFn) -> tuple[int, int]:
    from_position = draw(st.integers(0, len(DISTANCES_KM) - 2))
    return from_position, draw(st.integers(from_position + 1, len(DISTANCES_KM) - 1))


@st.composite
def sales(draw: st.DrawFn) -> Sell:
    from_position, to_position = draw(segments())
    # Mostly ready to wait: the waitlist is what the test is about.
    hold, waitlist = draw(
        st.sampled_from(
            [(False, False), (True, False), (False, True), (False, True), (True, True), (True, True)]
        )
    )
    return Sell(
        # Mostly the smaller class, so that it fills and bookings wait.
        travel_class=draw(st.sampled_from(["1A", "1A", "SL"])),
        from_position=from_position,
        to_position=to_position,
        party=draw(st.sampled_from([1, 1, 2, 3])),
        hold=hold,
        waitlist=waitlist,
    )


# A booking made so far: (which, modulo their number; whether among those the step is meant for alone).
nth = st.tuples(st.integers(0, 40), st.sampled_from([True, True, True, False]))


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """Return a strategy drawing from each of `choices` (weight, strategy) as often as its weight says."""
    return st.sampled_from([strategy for weight, strategy in choices for _ in range(weight)]).flatmap(
        lambda strategy: strategy
    )


steps = weighted(
    (16, sales()),
    (3, st.builds(Confirm, nth)),
    (3, st.builds(Extend, nth)),
    (2, st.builds(CancelAll, nth)),
    (2, st.builds(CancelSome, nth, st.lists(st.integers(0, 2), min_size=1, max_size=2).map(tuple))),
    (4, st.builds(Tick, st.integers(1, 30))),
    (1, st.builds(Tick, st.integers(100, 600))),
    (5, st.builds(ToHoldEnd, st.integers(0, 40), st.sampled_from([-1, 0, 1, 7]))),
    # Rare: past the chart no booking waits.
    # A second either side of the chart, or a hold's life before it: a hold sold then ends as it comes.
    (1, st.builds(ToChart, st.sampled_from([-1, 0, 1, -HOLD_TTL_SECONDS]))),
    (2, st.builds(Read, nth)),
    (2, segments().map(lambda segment: Search(*segment))),
    (1, st.just(PrepareCharts())),
)


def stamp(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def fare_of(travel_class: str, from_position: int, to_position: int) -> Decimal:
    _, _, per_km, minimum = CLASSES[travel_class]
    km = DISTANCES_KM[to_position] - DISTANCES_KM[from_position]
    return max(Decimal(minimum), Decimal(per_km) * km).quantize(CENT, rounding=ROUND_HALF_UP)


class Run:
    """One example: the train, its rider's client, the model and the clock."""

    def __init__(self, *, waitlist_max: int | None, start: datetime.datetime, traveller) -> None:
        number = next(NUMBERS)
        self.train_number = number
        self.stations = [f"Halt {number} {letter}" for letter in "ABCD"]
        train = train_create(
            train_number=number,
            source=self.stations[0],
            destination=self.stations[-1],
            stops=self.stations,
            distances_km=DISTANCES_KM,
            total_seats=sum(seats for _, seats, _, _ in CLASSES.values()),
            coaches=[
                CoachPlan(coach, travel_class, seats)
                for travel_class, (coach, seats, _, _) in CLASSES.items()
            ],
            fares=[
                FarePlan(travel_class, per_km, minimum)
                for travel_class, (_, _, per_km, minimum) in CLASSES.items()
            ],
        )
        train.departs_at = DEPARTURE.time()
        train.save(update_fields=["departs_at"])
        for position in range(len(self.stations)):
            Stop.objects.filter(train=train, position=position).update(
                arrival=None if position == 0 else position * HOUR,
                departure=None if position == len(self.stations) - 1 else position * HOUR,
            )
        self.train = train
        self.client = APIClient()
        self.client.force_authenticate(
            User.objects.create_user(username=f"rider{number}", email=f"rider{number}@example.com")
        )
        class_seats, first = {}, 1
        for travel_class, (_, seats, _, _) in CLASSES.items():
            class_seats[travel_class] = list(range(first, first + seats))
            first += seats
        self.model = ReferenceJourney(
            class_seats=class_seats,
            fare_of=fare_of,
            leaves_at=[DEPARTURE + position * HOUR for position in range(len(self.stations))],
            chart_at=CHART_AT,
            hold_ttl=HOLD_TTL_SECONDS * SECOND,
            hold_max=HOLD_MAX_SECONDS * SECOND,
            # WAITLIST_MAX_PER_CLASS, or by default 30% of the class's seats.
            waitlist_max={
                travel_class: len(seats) * 3 // 10 if waitlist_max is None else waitlist_max
                for travel_class, seats in class_seats.items()
            },
            refund_bands=list(django_settings.REFUND_BANDS),
            cancellation_fee=django_settings.CANCELLATION_FEE,
            now=start,
        )
        self.clock = start
        self.traveller = traveller
        self.order: list[str] = []
        # Waiting bookings served as a hold lapsed: the rarest path, which the search is steered to.
        self.served_in_time = 0

    # The service.

    def read(self, pnr: str) -> dict:
        response = self.client.get(f"/bookings/{pnr}/")
        assert response.status_code == 200, response.content
        return response.json()

    def seats_of(self, pnr: str) -> dict[int, int]:
        """Return the seats the service gave a booking's passengers, read from the booking."""
        return {
            passenger["passenger_id"]: passenger["seat_number"]
            for passenger in self.read(pnr)["passengers"]
            if passenger["seat_number"] is not None
        }

    def post(self, pnr: str, action: str, body: dict | None = None):
        return self.client.post(f"/bookings/{pnr}/{action}/", body or {}, format="json")

    def bring_model(self) -> None:
        """Bring the model to the clock, once the step's request is answered (the service brings itself
        there lazily, and the model may read the seats it gave the bookings it serves)."""
        before = {pnr: (booking.status, booking.reason) for pnr, booking in self.model.bookings.items()}
        self.model.advance(self.clock, self.seats_of)
        for pnr, booking in self.model.bookings.items():
            if before[pnr] != (booking.status, booking.reason):
                event(f"in time: {before[pnr]} -> {(booking.status, booking.reason)}")
                if before[pnr][0] == WAITLISTED and booking.reason != NOT_CONFIRMED_AT_CHART:
                    self.served_in_time += 1

    def move_clock(self, to: datetime.datetime) -> None:
        to = min(max(to, self.clock), LATEST)
        self.traveller.move_to(to)
        self.clock = to

    def nth_booking(self, pick: Pick, statuses: tuple[str, ...] = ()) -> ReferenceBooking | None:
        """Return a booking made so far: with `statuses` and the pick's wish, one with those, if any."""
        nth, wished = pick
        bookings = [self.model.bookings[pnr] for pnr in self.order]
        if wished and statuses and any(booking.status in statuses for booking in bookings):
            bookings = [booking for booking in bookings if booking.status in statuses]
        return bookings[nth % len(bookings)] if bookings else None

    # Checks.

    def assert_booking(self, booking: ReferenceBooking, body: dict) -> None:
        expected = {
            "pnr": booking.pnr,
            "travel_class": booking.travel_class,
            "source": self.stations[booking.from_position],
            "destination": self.stations[booking.to_position],
            "seat_count": len(booking.passengers),
            "status": booking.status,
            "reason": booking.reason,
            "waitlist_position": self.model.waitlist_position(booking),
            "expires_at": stamp(booking.expires_at),
            "hold_limit_at": stamp(booking.hold_limit_at),
            "fare": money(booking.fare_total),
            "refunded": money(booking.refund_total),
            "passengers": [
                (
                    p.passenger_id,
                    p.status,
                    p.seat_number,
                    money(p.fare),
                    None if p.refund is None else money(p.refund),
                )
                for p in booking.passengers
            ],
        }
        actual = {
            **{key: body[key] for key in expected if key not in ("fare", "refunded", "passengers")},
            "fare": body["fare"]["total"],
            "refunded": body["refunded"]["amount"],
            "passengers": [
                (p["passenger_id"], p["status"], p["seat_number"], p["fare"], p["refund"])
                for p in body["passengers"]
            ],
        }
        assert actual == expected, f"at {self.clock}: booking {booking.pnr}"

    def assert_refused(self, response, code: str) -> None:
        event(f"refused {code}")
        assert response.status_code == 409, (code, response.content)
        assert response.json()["code"] == code, (code, response.content)

    def search(self, from_position: int, to_position: int):
        return self.client.get(
            AVAILABILITY_URL,
            {
                "source": self.stations[from_position],
                "destination": self.stations[to_position],
                "journey_date": DAY.isoformat(),
            },
        )

    def assert_availability(self, from_position: int, to_position: int, response) -> None:
        assert response.status_code == 200, response.content
        (row,) = response.json()
        legs = range(from_position, to_position)
        expected = [
            (
                travel_class,
                len(self.model.seats_free(travel_class, legs)),
                money(fare_of(travel_class, from_position, to_position)),
            )
            for travel_class in CLASSES
        ]
        actual = [(c["travel_class"], c["available_seats"], c["fare"]) for c in row["classes"]]
        assert actual == expected, f"at {self.clock}: seats free from {from_position} to {to_position}"
        assert row["available_seats"] == sum(free for _, free, _ in expected)

    def assert_everything(self) -> None:
        for pnr in self.order:
            self.assert_booking(self.model.bookings[pnr], self.read(pnr))
        for from_position in range(len(self.stations) - 1):
            for to_position in range(from_position + 1, len(self.stations)):
                self.assert_availability(from_position, to_position, self.search(from_position, to_position))

    # Steps.

    def step(self, step) -> None:
        handler = getattr(self, f"run_{type(step).__name__.lower()}")
        handler(step)

    def run_sell(self, step: Sell) -> None:
        response = self.client.post(
            BOOK_URL,
            {
                "train_number": self.train_number,
                "journey_date": DAY.isoformat(),
                "source": self.stations[step.from_position],
                "destination": self.stations[step.to_position],
                "travel_class": step.travel_class,
                "seat_count": step.party,
                "hold": step.hold,
                "waitlist": step.waitlist,
            },
            format="json",
        )
        self.bring_model()
        try:
            status = self.model.sale_status(
                travel_class=step.travel_class,
                from_position=step.from_position,
                to_position=step.to_position,
                party=step.party,
                hold=step.hold,
                waitlist=step.waitlist,
            )
        except Refused as refusal:
            self.assert_refused(response, refusal.code)
            return
        assert response.status_code == 201, (status, response.content)
        body = response.json()
        booking = self.model.sale_record(
            pnr=body["pnr"],
            travel_class=step.travel_class,
            from_position=step.from_position,
            to_position=step.to_position,
            party=step.party,
            hold=step.hold,
            status=status,
            seats={
                p["passenger_id"]: p["seat_number"]
                for p in body["passengers"]
                if p["seat_number"] is not None
            },
        )
        self.order.append(booking.pnr)
        event(f"sold {status}")
        assert sorted(body["seat_numbers"]) == sorted(p.seat_number for p in booking.live if p.seat_number)
        self.assert_booking(booking, body)

    def run_hold_action(self, nth: Pick, action: str) -> None:
        booking = self.nth_booking(nth, (HELD,))
        if booking is None:
            return
        response = self.post(booking.pnr, action)
        self.bring_model()
        try:
            getattr(self.model, action)(booking.pnr)
        except Refused as refusal:
            self.assert_refused(response, refusal.code)
            return
        assert response.status_code == 200, response.content
        self.assert_booking(booking, response.json())

    def run_confirm(self, step: Confirm) -> None:
        self.run_hold_action(step.nth, "confirm")

    def run_extend(self, step: Extend) -> None:
        self.run_hold_action(step.nth, "extend")

    def run_cancel(self, nth: Pick, passenger_ids: list[int] | None) -> None:
        booking = self.nth_booking(nth, LIVE)
        if booking is None:
            return
        response = self.post(
            booking.pnr, "cancel", None if passenger_ids is None else {"passenger_ids": passenger_ids}
        )
        self.bring_model()
        waiting = [b for b in self.model.waiting() if b is not booking]
        try:
            refund = self.model.cancel(booking.pnr, passenger_ids, self.seats_of)
        except Refused as refusal:
            self.assert_refused(response, refusal.code)
            return
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["refund"]["amount"] == money(refund)
        for other in waiting:
            if other.status != WAITLISTED:
                event(f"served on cancellation -> {other.status}")
        self.assert_booking(booking, body)

    def run_cancelall(self, step: CancelAll) -> None:
        self.run_cancel(step.nth, None)

    def run_cancelsome(self, step: CancelSome) -> None:
        booking = self.nth_booking(step.nth, LIVE)
        if booking is None:
            return
        self.run_cancel(step.nth, sorted({pick % len(booking.passengers) + 1 for pick in step.picks}))

    def run_tick(self, step: Tick) -> None:
        self.move_clock(self.clock + step.seconds * SECOND)

    def run_toholdend(self, step: ToHoldEnd) -> None:
        # The model may not have been brought to the clock yet: only holds still ahead of it count.
        ends = sorted(
            {
                booking.expires_at
                for booking in self.model.live_holds()
                if booking.expires_at + step.offset * SECOND > self.clock
            }
        )
        if ends:
            self.move_clock(ends[step.nth % len(ends)] + step.offset * SECOND)

    def run_tochart(self, step: ToChart) -> None:
        self.move_clock(CHART_AT + step.offset * SECOND)

    def run_read(self, step: Read) -> None:
        booking = self.nth_booking(step.nth, (HELD, WAITLISTED))
        if booking is None:
            return
        body = self.read(booking.pnr)
        self.bring_model()
        self.assert_booking(booking, body)

    def run_search(self, step: Search) -> None:
        # Searched before the model is brought to the clock, which may read bookings and so settle the
        # journey: the search must bring it to the clock by itself.
        response = self.search(step.from_position, step.to_position)
        self.bring_model()
        self.assert_availability(step.from_position, step.to_position, response)

    def run_preparecharts(self, step: PrepareCharts) -> None:
        call_command("prepare_charts", stdout=io.StringIO())
        self.bring_model()
        charted_at = Journey.objects.filter(train=self.train, date=DAY).values_list("charted_at", flat=True)
        for charted in charted_at:
            assert charted == (CHART_AT if self.clock >= CHART_AT else None)


@pytest.fixture
def short_holds(settings):
    """Set short holds for every example, once: the settings fixture stacks a layer per assignment."""
    settings.HOLD_TTL_SECONDS = HOLD_TTL_SECONDS
    settings.HOLD_MAX_SECONDS = HOLD_MAX_SECONDS
    # The caps on one user's seats are not what is tested: the one rider may hold every seat and place.
    settings.BOOKING_MAX_SEATS_PER_USER_PER_TRAIN = 100


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before_chart=st.integers(600, 3600),
    waitlist_max=st.sampled_from([4, 8, None]),
    script=st.lists(steps, min_size=20, max_size=36),
)
# A hold ending as the chart comes, with a booking waiting that its seats would fit: the chart goes
# first, and the booking is cancelled rather than served.
@example(
    before_chart=600,
    waitlist_max=4,
    script=[
        ToChart(-HOLD_TTL_SECONDS),
        Sell("1A", 0, 3, 3, hold=True, waitlist=False),
        Sell("1A", 0, 3, 1, hold=False, waitlist=True),
        ToChart(0),
        Read((1, True)),
    ],
)
def test_any_sequence_of_holds_waitlist_and_clock_matches_the_reference_journey(
    short_holds, before_chart, waitlist_max, script
):
    start = CHART_AT - before_chart * SECOND
    with (
        override_settings(WAITLIST_MAX_PER_CLASS=waitlist_max),
        time_machine.travel(start, tick=False) as traveller,
    ):
        run = Run(waitlist_max=waitlist_max, start=start, traveller=traveller)
        for step in script:
            run.step(step)
        run.bring_model()
        run.assert_everything()
        target(float(run.served_in_time), label="waiting bookings served as holds lapsed")
