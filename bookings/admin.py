"""Admin for bookings: read-only, since bookings are made through the API, with ways to cancel.

The list filters by journey (train number and journey date) as well as by status and user, and
finds a booking by id, PNR or username. A booking's page shows its passengers, their seats,
fares and refunds, a hold's end and limit, a waiting booking's place, and why a booking was
cancelled. Holds and waiting bookings are shown as time has left them: their journeys are
brought to now before they are read (bookings.journey_events), as the API does. Their state is
the API's: nothing here edits it.

Cancelling goes through bookings.services (bookings_cancel for whole bookings from the list,
passengers_cancel for chosen passengers from a booking's page, held and waiting ones too), so
seats are freed, fares refunded and the waitlist served exactly as when a passenger cancels
through the API.

The train admin (bookings.train_admin) is registered here too: a train may be on sale while
it is edited.
"""

import datetime
import re
from collections.abc import Iterator
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from bookings.models import Booking, Passenger
from bookings.pnrs import pnr_normalise
from bookings.selectors import bookings_with_stations, waitlist_position
from bookings.services import bookings_bring_to_now, bookings_cancel, passengers_cancel
from bookings.train_admin import TrainAdmin
from railway.errors import DomainError
from trains.models import Train


class TextBoxFilter(admin.SimpleListFilter):
    """Filter by a value typed into a box, where a list of every choice would not scale."""

    template = "admin/bookings/text_filter.html"
    placeholder = ""

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return []

    def has_output(self) -> bool:
        return True

    def choices(self, changelist: Any) -> Iterator[dict[str, Any]]:
        yield {
            "selected": bool(self.value()),
            "value": self.value() or "",
            "parameter_name": self.parameter_name,
            "placeholder": self.placeholder,
            "other_params": [
                (name, value) for name, value in changelist.params.items() if name != self.parameter_name
            ],
            "clear_query_string": changelist.get_query_string(remove=[self.parameter_name]),
        }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Booking]) -> QuerySet[Booking]:
        typed = (self.value() or "").strip()
        return self.matching(queryset, typed) if typed else queryset

    def matching(self, queryset: QuerySet[Booking], typed: str) -> QuerySet[Booking]:
        """Return the bookings that match `typed`, the box's text (stripped, never empty)."""
        raise NotImplementedError


class UsernameFilter(TextBoxFilter):
    title = "user"
    parameter_name = "username"
    placeholder = "username"

    def matching(self, queryset: QuerySet[Booking], typed: str) -> QuerySet[Booking]:
        return queryset.filter(user__username__iexact=typed)


class TrainNumberFilter(TextBoxFilter):
    title = "train"
    parameter_name = "train_number"
    placeholder = "train number"

    def matching(self, queryset: QuerySet[Booking], typed: str) -> QuerySet[Booking]:
        if not re.fullmatch(r"[0-9]{1,10}", typed) or int(typed) > 2_147_483_647:
            return queryset.none()
        return queryset.filter(train__train_number=int(typed))


class JourneyDateFilter(TextBoxFilter):
    """Bookings of journeys starting on a date; with the train filter, the bookings of one journey."""

    title = "journey date"
    parameter_name = "journey_date"
    placeholder = "YYYY-MM-DD"

    def matching(self, queryset: QuerySet[Booking], typed: str) -> QuerySet[Booking]:
        try:
            journey_date = datetime.date.fromisoformat(typed)
        except ValueError:
            return queryset.none()
        return queryset.filter(journey_date=journey_date)


class PassengerInline(admin.TabularInline):
    """A booking's passengers as sold, and what each cancellation refunded: a record, never edited here."""

    model = Passenger
    fields = [
        "passenger_id",
        "name",
        "age",
        "preference",
        "coach",
        "seat",
        "seat_number",
        "position",
        "preference_met",
        "fare",
        "status",
        "cancelled_at",
        "refund",
    ]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        # Part of the booking: whoever may see the booking sees who travels on it.
        return self.admin_site.get_model_admin(Booking).has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "pnr_code",
        "travel_class",
        "fare_total",
        "train",
        "journey_date",
        "user",
        "segment",
        "seat_count",
        "seats",
        "status",
        "hold_ends",
        "reason",
        "created_at",
    ]
    list_select_related = ["train", "user"]
    # A date typed into a box rather than date_hierarchy, whose links are read from the years,
    # months and days of every booking in the table.
    list_filter = ["status", TrainNumberFilter, JourneyDateFilter, UsernameFilter]
    # Bookings are the largest table: count them once per page, not a second time unfiltered.
    show_full_result_count = False
    list_per_page = 50
    search_fields = ["=id", "user__username"]
    search_help_text = "Search by booking id, PNR or username."
    fields = [
        "id",
        "pnr_code",
        "travel_class",
        "fare_total",
        "refund_total",
        "currency",
        "train",
        "journey_date",
        "user",
        "segment",
        "seat_count",
        "seats",
        "status",
        "reason",
        "waitlist_place",
        "hold_requested",
        "expires_at",
        "hold_limit_at",
        "payment_reference",
        "created_at",
        "cancelled_at",
    ]
    # The API owns every state a booking goes through: staff read it, and cancel.
    readonly_fields = fields
    inlines = [PassengerInline]
    actions = ["cancel_selected"]
    change_form_template = "admin/bookings/booking/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        # The changelist applies list_select_related only to a queryset without
        # select_related, and bookings_with_stations already joins the train.
        return bookings_with_stations(bookings=super().get_queryset(request)).select_related(
            *self.list_select_related
        )

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Booking | None:
        booking = super().get_object(request, object_id, from_field)
        if booking is not None and bookings_bring_to_now(bookings=[booking]):
            booking = super().get_object(request, object_id, from_field)
        return booking

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        if bookings_bring_to_now(bookings=changelist.result_list):
            # Read the page again: a hold that lapsed or a booking served has another status now.
            changelist.get_results(request)
        return changelist

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Booking], search_term: str
    ) -> tuple[QuerySet[Booking], bool]:
        """Find bookings by id or username, and the booking whose PNR the whole box spells.

        A PNR is read as passengers write it (bookings.pnrs): in any case, with dashes or spaces.
        """
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        pnr = pnr_normalise(search_term)
        if pnr is None:
            return found, may_have_duplicates
        return found | queryset.filter(pnr=pnr), may_have_duplicates

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        # Deleting would free seats without a trace; cancel instead.
        return False

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and request.user.has_perm("bookings.change_booking")
        )

    def get_urls(self) -> list[URLPattern]:
        cancel = path(
            "<path:object_id>/cancel-passengers/",
            self.admin_site.admin_view(self.cancel_passengers_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_cancel_passengers",
        )
        # First: the default URLs end with a catch-all "<object_id>/..." that would take it.
        return [cancel, *super().get_urls()]

    def booking_url(self, booking: Booking, view: str) -> str:
        """Return the address of one of the booking's admin views: "change" or "cancel_passengers"."""
        name = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{view}"
        return reverse(name, args=[quote(booking.pk)])

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "may_cancel": self.has_cancel_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def cancel_passengers_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Offer the booking's passengers who still hold a seat or wait for one, and cancel those chosen.

        The cancellation is passengers_cancel's, as for an owner through the API: its refusals
        (the train has left, a passenger cancelled meanwhile) come back as messages.
        """
        if not self.has_cancel_permission(request):
            raise PermissionDenied
        booking = self.get_object(request, unquote(object_id))
        if booking is None:
            raise Http404("No booking with this id.")
        if request.method == "POST":
            chosen = request.POST.getlist("passengers")
            done = self.passengers_cancel_chosen(request, booking=booking, chosen=chosen)
            return HttpResponseRedirect(self.booking_url(booking, "change" if done else "cancel_passengers"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Cancel passengers of booking {booking.pnr}",
            "booking": booking,
            "live": booking.passengers.exclude(status=Passenger.Status.CANCELLED),
        }
        return TemplateResponse(request, "admin/bookings/booking/cancel_passengers.html", context)

    def passengers_cancel_chosen(self, request: HttpRequest, *, booking: Booking, chosen: list[str]) -> bool:
        """Cancel the passengers whose ids were ticked, and say what it refunded or why it could not."""
        if not chosen:
            self.message_user(request, "Choose the passengers to cancel.", messages.ERROR)
            return False
        if not all(re.fullmatch(r"[0-9]{1,5}", value) for value in chosen):
            self.message_user(request, "Choose the passengers to cancel from the list.", messages.ERROR)
            return False
        passenger_ids = sorted({int(value) for value in chosen})
        try:
            cancelled = passengers_cancel(pnr=booking.pnr, actor=request.user, passenger_ids=passenger_ids)
        except DomainError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return False
        done = f"Cancelled passenger(s) {', '.join(map(str, passenger_ids))} of booking {cancelled.pnr}"
        if cancelled.status == Booking.Status.CANCELLED:
            done += ", and with them the booking: no passenger holds a seat any more"
        self.message_user(
            request, f"{done}. Refunded {cancelled.refund_now} {cancelled.currency}.", messages.SUCCESS
        )
        return True

    @admin.display(description="PNR")
    def pnr_code(self, booking: Booking) -> str:
        return booking.pnr

    @admin.display(description="segment")
    def segment(self, booking: Booking) -> str:
        return f"{booking.source_name} → {booking.destination_name}"

    @admin.display(description="seats")
    def seats(self, booking: Booking) -> str:
        return ", ".join(str(seat) for seat in booking.seat_numbers)

    @admin.display(description="hold ends")
    def hold_ends(self, booking: Booking) -> datetime.datetime | None:
        # A confirmed booking keeps its hold's end for the record: it ends nothing any more.
        return booking.expires_at if booking.status == Booking.Status.HELD else None

    @admin.display(description="cancelled because")
    def reason(self, booking: Booking) -> str:
        # The change page writes a None as "None": the empty value is given here.
        return (
            booking.get_cancel_reason_display() if booking.cancel_reason else self.get_empty_value_display()
        )

    @admin.display(description="waitlist position")
    def waitlist_place(self, booking: Booking) -> int | str:
        if booking.status != Booking.Status.WAITLISTED:
            return self.get_empty_value_display()
        return waitlist_position(
            booking_id=booking.pk,
            train_id=booking.train_id,
            journey_date=booking.journey_date,
            travel_class=booking.travel_class,
        )

    @admin.action(description="Cancel selected bookings", permissions=["cancel"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        try:
            cancelled, already_cancelled = bookings_cancel(
                booking_ids=list(queryset.values_list("pk", flat=True)), actor=request.user
            )
        except DomainError as error:
            # bookings_cancel stops at the first booking refused (its train has left, say); those
            # cancelled before it stay cancelled, as their statuses in the list show.
            self.message_user(
                request,
                f"Cancelling stopped: {error.detail} The list shows which bookings are cancelled.",
                messages.ERROR,
            )
            return
        if cancelled:
            self.message_user(
                request,
                f"Cancelled {len(cancelled)} booking(s); their seats are free again.",
                messages.SUCCESS,
            )
        if already_cancelled:
            skipped = ", ".join(f"#{booking_id}" for booking_id in already_cancelled)
            self.message_user(
                request,
                f"Skipped {len(already_cancelled)} booking(s) already cancelled: {skipped}.",
                messages.WARNING,
            )


admin.site.register(Train, TrainAdmin)
