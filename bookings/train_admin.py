"""The train admin: trains with their stops and timetable, and the seats sold on each journey.

It lives in bookings, beside the seat inventory, because a train may be on sale while it is
edited: its seat count and route change through bookings.network_changes, which waits for the
sales in flight. Route rules come from trains.services and bookings.network_changes; the admin
only turns their errors into form errors. Registered by bookings.admin under the trains app, so
its pages stay at /admin/trains/train/. Anyone who may view a train may see its journeys: the
seats sold on each leg on a chosen date. Those who may also view bookings see the journey's holds
with their ends and its waitlist class by class, and whoever may view bookings may read its
chart: every seat's passengers by leg. Each journey is brought to now before it is read
(bookings.journey_events), so a hold past its end shows as lapsed, as the API would show it.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from rest_framework import exceptions

from bookings.charts import JourneyChart
from bookings.journey_events import journeys_settle_due
from bookings.models import Booking
from bookings.network_changes import (
    route_change_validate,
    total_seats_change_validate,
    train_route_change,
    train_update,
)
from bookings.selectors import (
    LegOccupancy,
    WaitingBooking,
    journey_confirmed_bookings,
    journey_holds,
    journey_waitlist,
    journeys_busiest_leg_sold,
    train_leg_occupancy,
    trains_with_occupancy,
)
from bookings.services import journey_chart_for
from railway.errors import DomainError
from trains.admin import (
    CoachFormSet,
    CoachInline,
    FareFormSet,
    FareInline,
    ServiceExceptionInline,
    SuperuserWritesMixin,
)
from trains.errors import StationAmbiguous
from trains.models import WEEKDAY_NAMES, Stop, Train
from trains.selectors import (
    RouteEntry,
    runs_on_from,
    station_by_name,
    train_origin_time_zone,
    train_start_dates,
    train_starts_on,
    variant_clash,
    weekdays_of,
)
from trains.services import StopTimes, route_from_stops, stop_times_validate, train_seating_set
from trains.time_zones import local_date
from trains.variants import Calendar


def error_messages(error: exceptions.ValidationError) -> list[str]:
    """Return the messages of a service's ValidationError, whatever field they are keyed by."""
    detail = error.detail
    if isinstance(detail, dict):
        return [str(message) for messages in detail.values() for message in messages]
    return [str(message) for message in detail]


class StopInlineForm(forms.ModelForm):
    station_name = forms.CharField(
        required=False,
        max_length=100,
        label="or station name",
        help_text="Type a name instead of choosing; a new station is created if none has it.",
    )

    class Meta:
        model = Stop
        fields = ["position", "station", "arrival", "departure"]
        help_texts = {
            "arrival": "After the journey's start, as H:MM:SS; past 24:00:00 on the next day.",
            "departure": "After the journey's start; the first stop departs at 0:00:00.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        station, name = cleaned.get("station"), cleaned.get("station_name", "").strip()
        if name:
            try:
                existing = station_by_name(name=name)
            except StationAmbiguous as ambiguous:
                raise ValidationError(ambiguous.detail) from None
            if station is not None and station != existing:
                raise ValidationError("Choose a station or type a name, not both.")
            if existing is not None:
                cleaned["station"] = existing
            else:
                # Created when the route is saved; the stop keeps its stored station until then.
                cleaned.pop("station", None)
        elif station is None:
            raise ValidationError("Choose a station or type its name.")
        return cleaned

    def validate_unique(self) -> None:
        # Checked across the whole route by the formset: comparing one stop with
        # the stored route would refuse reordering stops.
        pass

    def route_entry(self) -> tuple[int, RouteEntry]:
        """Return this stop as (position, station, or the name of a station to create) for the route."""
        station = self.cleaned_data.get("station") or self.cleaned_data["station_name"].strip()
        return self.cleaned_data["position"], station

    def times(self) -> StopTimes:
        return self.cleaned_data.get("arrival"), self.cleaned_data.get("departure")


class StopFormSet(BaseInlineFormSet):
    """The whole route: validated like the API's, and frozen once the train has bookings."""

    route: list[RouteEntry]
    times: list[StopTimes]

    def validate_unique(self) -> None:
        # route_from_stops checks positions and stations (new ones by name).
        pass

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        try:
            self.route = route_from_stops(stops=[form.route_entry() for form in kept])
            self.times = [
                form.times() for form in sorted(kept, key=lambda form: form.cleaned_data["position"])
            ]
            stop_times_validate(times=self.times)
            if self.instance.pk is not None:
                # For the form's message; saving checks again under the train's lock.
                route_change_validate(train=self.instance, stops=self.route)
        except exceptions.ValidationError as error:
            raise ValidationError(error_messages(error)) from None


class StopInline(SuperuserWritesMixin, admin.TabularInline):
    model = Stop
    form = StopInlineForm
    formset = StopFormSet
    fields = ["position", "station", "station_name", "arrival", "departure"]
    autocomplete_fields = ["station"]
    ordering = ["position"]
    max_num = Train.MAX_STOPS

    def get_extra(self, request: HttpRequest, obj: Train | None = None, **kwargs: Any) -> int:
        return 2 if obj is None else 1


class TrainAdminForm(forms.ModelForm):
    train_number = forms.IntegerField(min_value=1, max_value=2_147_483_647)
    total_seats = forms.IntegerField(min_value=1, max_value=Train.MAX_SEATS)
    weekdays = forms.TypedMultipleChoiceField(
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="runs on",
        help_text="The weekdays on which the train starts its journey; none: only on the dates below.",
    )

    class Meta:
        model = Train
        fields = ["train_number", "name", "total_seats", "departs_at", "service_from", "service_until"]
        help_texts = {
            "departs_at": (
                "The time of day the train leaves its first station, in that station's time zone; "
                "its dates of service are dates there."
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["weekdays"].initial = weekdays_of(self.instance.runs_on)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        first, last = cleaned.get("service_from"), cleaned.get("service_until")
        if first and last and first > last:
            self.add_error("service_until", "The last date of service comes before the first.")
        elif cleaned.get("train_number") is not None and "weekdays" in cleaned:
            self.variant_clash_check(cleaned)
        return cleaned

    def variant_clash_check(self, cleaned: dict[str, Any]) -> None:
        """Refuse a second active variant of the number that starts on a date another one starts on.

        The train's exceptions are those saved; the ones edited on this page count from the next save.
        """
        exceptions = (
            dict(self.instance.service_exceptions.values_list("date", "runs")) if self.instance.pk else {}
        )
        calendar = Calendar(
            runs_on_from(cleaned["weekdays"]),
            cleaned.get("service_from"),
            cleaned.get("service_until"),
            exceptions,
        )
        clash = variant_clash(
            train_number=cleaned["train_number"], calendar=calendar, other_than=self.instance.pk
        )
        if clash is not None:
            self.add_error(
                "train_number",
                f"A train with this number already exists and runs on {clash[1].isoformat()}, as this one "
                "would; the variants of a number run on different dates.",
            )

    def save(self, commit: bool = True) -> Train:
        self.instance.runs_on = runs_on_from(self.cleaned_data["weekdays"])
        return super().save(commit)

    def clean_total_seats(self) -> int:
        total_seats = self.cleaned_data["total_seats"]
        if self.instance.pk is not None:
            try:
                total_seats_change_validate(train=self.instance, total_seats=total_seats)
            except exceptions.ValidationError as error:
                raise ValidationError(error_messages(error)) from None
        return total_seats


# How far either side of a journey the view looks for the train's previous and next start dates.
JOURNEY_SEARCH_DAYS = 60
# How many of its next journeys a train's page lists.
NEXT_JOURNEYS_LISTED = 5


class JourneyDateForm(forms.Form):
    date = forms.DateField(
        label="start date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The date the train leaves its first station, as YYYY-MM-DD.",
    )


@dataclass(frozen=True)
class JourneySummary:
    """A train's journey on one start date, as the journey view shows it."""

    date: datetime.date
    runs: bool
    # Each leg with its share of the seats sold, in percent.
    legs: list[tuple[LegOccupancy, int]]
    confirmed_bookings: int
    bookings_url: str | None
    # The journey's holds, soonest to end first, its bookings waiting, class by class in order, and the
    # address of its chart (none on a date the train does not start); each None for those who may not
    # view bookings.
    holds: list[Booking] | None
    waitlist: list[WaitingBooking] | None
    chart_url: str | None
    # The nearest start dates before and after, with the view's address for each.
    previous: tuple[datetime.date, str] | None
    next: tuple[datetime.date, str] | None


def days_after(day: datetime.date, days: int) -> datetime.date:
    """Return `day` moved by `days` days, stopping at the first or last date Python can hold."""
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.max if days > 0 else datetime.date.min


def day_label(day: datetime.date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.isoformat()}"


class TrainAdmin(SuperuserWritesMixin, admin.ModelAdmin):
    form = TrainAdminForm
    inlines = [StopInline, CoachInline, FareInline, ServiceExceptionInline]
    fields = [
        "train_number",
        "name",
        "total_seats",
        "departs_at",
        "weekdays",
        "service_from",
        "service_until",
        "next_journeys",
        "agency_id",
        "trip_id",
        "withdrawn_at",
    ]
    # Where an imported train came from, and when a feed version withdrew it: the import's to set.
    readonly_fields = ["next_journeys", "agency_id", "trip_id", "withdrawn_at"]
    list_filter = [("withdrawn_at", admin.EmptyFieldListFilter)]
    list_display = [
        "train_number",
        "name",
        "route",
        "stop_count",
        "total_seats",
        "confirmed_bookings",
        "busiest_leg",
        "journeys",
    ]
    list_display_links = ["train_number", "name"]
    search_fields = ["=train_number", "name"]
    # Each row computes the train's occupancy: keep pages short, and count trains once per page.
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Train]:
        return trains_with_occupancy(trains=super().get_queryset(request))

    @admin.display(description="route")
    def route(self, train: Train) -> str:
        return f"{train.source_name} → {train.destination_name}"

    @admin.display(description="stops", ordering="stop_count")
    def stop_count(self, train: Train) -> int:
        return train.stop_count

    @admin.display(description="confirmed bookings", ordering="confirmed_bookings")
    def confirmed_bookings(self, train: Train) -> int:
        return train.confirmed_bookings

    @admin.display(description="busiest leg sold", ordering="busiest_leg_sold")
    def busiest_leg(self, train: Train) -> str:
        return f"{train.busiest_leg_sold}/{train.total_seats}"

    @admin.display(description="seats sold")
    def journeys(self, train: Train) -> str:
        return format_html('<a href="{}">by date</a>', self.journey_url(train))

    @admin.display(description="next journeys")
    def next_journeys(self, train: Train) -> str:
        if train.pk is None:
            return "-"
        today = local_date(timezone.now(), train_origin_time_zone(train=train))
        horizon = today + datetime.timedelta(days=settings.BOOKING_HORIZON_DAYS)
        dates = train_start_dates(train=train, first=today, last=horizon)[:NEXT_JOURNEYS_LISTED]
        busiest = journeys_busiest_leg_sold(train=train, journey_dates=dates)
        journeys = format_html_join(
            "\n",
            '<div><a href="{}">{}</a>: busiest leg {}/{} sold</div>',
            (
                (self.journey_url(train, date), day_label(date), busiest[date], train.total_seats)
                for date in dates
            ),
        )
        if not dates:
            journeys = format_html(
                "<div>No journey starts in the next {} days.</div>", settings.BOOKING_HORIZON_DAYS
            )
        return format_html(
            '{}\n<div><a href="{}">Seats sold per leg on any date</a></div>',
            journeys,
            self.journey_url(train),
        )

    def get_urls(self) -> list[URLPattern]:
        journey = path(
            "<path:object_id>/journey/",
            self.admin_site.admin_view(self.journey_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_journey",
        )
        chart = path(
            "<path:object_id>/chart/",
            self.admin_site.admin_view(self.chart_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_chart",
        )
        # First: the default URLs end with a catch-all "<object_id>/..." that would take it.
        return [journey, chart, *super().get_urls()]

    def journey_url(self, train: Train, journey_date: datetime.date | None = None) -> str:
        """Return the address of the train's journey view, on `journey_date` or (none) today."""
        url = reverse(f"{self.admin_site.name}:trains_train_journey", args=[quote(train.pk)])
        return url if journey_date is None else f"{url}?{urlencode({'date': journey_date.isoformat()})}"

    def chart_url(self, train: Train, journey_date: datetime.date) -> str:
        """Return the address of the chart of the train's journey starting on `journey_date`."""
        url = reverse(f"{self.admin_site.name}:trains_train_chart", args=[quote(train.pk)])
        return f"{url}?{urlencode({'date': journey_date.isoformat()})}"

    def journey_view(self, request: HttpRequest, object_id: str) -> TemplateResponse:
        """Show the seats sold on each leg of the train's journey that starts on the date asked for."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        train = self.get_object(request, unquote(object_id))
        if train is None:
            raise Http404("No train with this id.")
        if not self.has_view_permission(request, train):
            raise PermissionDenied
        # Journeys are dated at the train's first station.
        time_zone = train_origin_time_zone(train=train)
        today = local_date(timezone.now(), time_zone)
        form = JourneyDateForm(request.GET if "date" in request.GET else None, initial={"date": today})
        journey = None
        if not form.is_bound:
            journey = self.journey_summary(request, train=train, journey_date=today)
        elif form.is_valid():
            journey = self.journey_summary(request, train=train, journey_date=form.cleaned_data["date"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Seats sold on train {train}",
            "train": train,
            "form": form,
            "journey": journey,
            "today": today,
            "time_zone": time_zone,
            "search_days": JOURNEY_SEARCH_DAYS,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/trains/train/journey.html", context)

    def journey_summary(
        self, request: HttpRequest, *, train: Train, journey_date: datetime.date
    ) -> JourneySummary:
        """Return what the journey view shows of the train's journey starting on `journey_date`, brought to
        now first: a hold past its end has lapsed, and its seats have gone to the waitlist."""
        journeys_settle_due(journeys=[(train.pk, journey_date)], now=timezone.now())
        around = train_start_dates(
            train=train,
            first=days_after(journey_date, -JOURNEY_SEARCH_DAYS),
            last=days_after(journey_date, JOURNEY_SEARCH_DAYS),
        )
        earlier = [date for date in around if date < journey_date]
        later = [date for date in around if date > journey_date]
        runs = journey_date in around
        bookings_shown = self.bookings_viewable(request)
        return JourneySummary(
            date=journey_date,
            runs=runs,
            legs=[
                (leg, round(100 * leg.sold / leg.total) if leg.total else 0)
                for leg in train_leg_occupancy(train=train, journey_date=journey_date)
            ],
            confirmed_bookings=journey_confirmed_bookings(train=train, journey_date=journey_date),
            bookings_url=self.journey_bookings_url(request, train=train, journey_date=journey_date),
            holds=list(journey_holds(train=train, journey_date=journey_date)) if bookings_shown else None,
            waitlist=journey_waitlist(train=train, journey_date=journey_date) if bookings_shown else None,
            chart_url=self.chart_url(train, journey_date) if runs and self.chart_readable(request) else None,
            previous=(earlier[-1], self.journey_url(train, earlier[-1])) if earlier else None,
            next=(later[0], self.journey_url(train, later[0])) if later else None,
        )

    def journey_bookings_url(
        self, request: HttpRequest, *, train: Train, journey_date: datetime.date
    ) -> str | None:
        """Return the booking list filtered to the journey's confirmed bookings, if the user may see it."""
        if not self.bookings_viewable(request):
            return None
        query = {
            "train_number": train.train_number,
            "journey_date": journey_date.isoformat(),
            "status__exact": Booking.Status.CONFIRMED,
        }
        return f"{reverse(f'{self.admin_site.name}:bookings_booking_changelist')}?{urlencode(query)}"

    def bookings_viewable(self, request: HttpRequest) -> bool:
        """Return whether the user may view bookings in this admin site."""
        try:
            booking_admin = self.admin_site.get_model_admin(Booking)
        except NotRegistered:
            return False
        return booking_admin.has_view_permission(request)

    def chart_readable(self, request: HttpRequest) -> bool:
        """Return whether the user may read charts: the right journey_chart_for asks of staff."""
        return request.user.has_perm("bookings.view_booking")

    def chart_view(self, request: HttpRequest, object_id: str) -> TemplateResponse:
        """Show the chart of the train's journey starting on the date asked for: every seat's passengers by
        leg, coach by coach, and the bookings still waiting.

        The chart is the bookings' record: whoever may view bookings may read it. Reading it charts
        the journey when its time has come (bookings.services.journey_chart_for), as the API does.
        """
        if not self.chart_readable(request):
            raise PermissionDenied
        train = self.get_object(request, unquote(object_id))
        if train is None:
            raise Http404("No train with this id.")
        time_zone = train_origin_time_zone(train=train)
        today = local_date(timezone.now(), time_zone)
        form = JourneyDateForm(request.GET if "date" in request.GET else None, initial={"date": today})
        journey_date = chart = refusal = None
        if not form.is_bound:
            journey_date = today
        elif form.is_valid():
            journey_date = form.cleaned_data["date"]
        if journey_date is not None:
            chart, refusal = self.chart_of(request, train=train, journey_date=journey_date)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Chart of train {train}",
            "train": train,
            "form": form,
            "journey_date": journey_date,
            "journey_url": self.journey_url(train, journey_date),
            "chart": chart,
            "refusal": refusal,
            "today": today,
            "time_zone": time_zone,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/trains/train/chart.html", context)

    def chart_of(
        self, request: HttpRequest, *, train: Train, journey_date: datetime.date
    ) -> tuple[JourneyChart | None, str | None]:
        """Return the chart of the train's journey on `journey_date`, or why there is none."""
        # Checked for this train: another variant of its number may run on the date.
        if not train_starts_on(train=train, day=journey_date):
            return None, "The train does not start a journey on this date."
        try:
            chart = journey_chart_for(
                actor=request.user, train_number=train.train_number, journey_date=journey_date
            )
        except DomainError as error:
            return None, str(error.detail)
        return chart, None

    def _create_formsets(self, request: HttpRequest, obj: Train, change: bool) -> tuple[list[Any], list[Any]]:
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        # The fares are checked against the coaches the same page gives the train.
        coaches = next((formset for formset in formsets if isinstance(formset, CoachFormSet)), None)
        for formset in formsets:
            if isinstance(formset, FareFormSet):
                formset.coach_formset = coaches
        return formsets, inline_instances

    def save_model(self, request: HttpRequest, obj: Train, form: TrainAdminForm, change: bool) -> None:
        if change:
            # The number, name and seats change with the coaches, in save_related.
            obj.save(update_fields=["departs_at", "runs_on", "service_from", "service_until"])
        else:
            obj.name = obj.name.strip()
            obj.save()

    def save_related(self, request: HttpRequest, form: TrainAdminForm, formsets: Any, change: bool) -> None:
        coaches = next((formset for formset in formsets if isinstance(formset, CoachFormSet)), None)
        fares = next((formset for formset in formsets if isinstance(formset, FareFormSet)), None)
        requested = {
            "coaches": coaches.coaches if coaches is not None else None,
            "fares": fares.fares if fares is not None else None,
        }
        train = form.instance
        if change:
            train_update(
                train=train,
                train_number=train.train_number,
                name=train.name,
                total_seats=train.total_seats,
                **requested,
            )
        else:
            train_seating_set(train=train, total_seats=train.total_seats, **requested)
        super().save_related(request, form, formsets, change)

    def save_formset(self, request: HttpRequest, form: TrainAdminForm, formset: Any, change: bool) -> None:
        if isinstance(formset, CoachFormSet | FareFormSet):
            # Written whole by save_related, through the service that keeps them and the seats in step.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        if not isinstance(formset, StopFormSet):
            super().save_formset(request, form, formset, change)
            return
        previous = list(Stop.objects.filter(train=form.instance).select_related("train", "station"))
        # The route is written in one piece; the admin log records it as old stops out, new stops in.
        added = train_route_change(train=form.instance, stops=formset.route, times=formset.times)
        formset.new_objects, formset.changed_objects = added, []
        formset.deleted_objects = previous if added else []
