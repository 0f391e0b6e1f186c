"""Admin for bookings: read-only, since bookings are made through the API, with a cancel action.

The list filters by journey (train number and journey date) as well as by status and user.

Cancelling goes through bookings.services.bookings_cancel, so seats are freed exactly as
when a passenger cancels through the API.

The train admin (bookings.train_admin) is registered here too: a train may be on sale while
it is edited.
"""

import datetime
import re
from collections.abc import Iterator
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from bookings.models import Booking
from bookings.selectors import bookings_with_stations
from bookings.services import bookings_cancel
from bookings.train_admin import TrainAdmin
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


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "train",
        "journey_date",
        "user",
        "segment",
        "seat_count",
        "seats",
        "status",
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
    search_help_text = "Search by booking id or username."
    fields = [
        "id",
        "train",
        "journey_date",
        "user",
        "segment",
        "seat_count",
        "seats",
        "status",
        "created_at",
        "cancelled_at",
    ]
    readonly_fields = fields
    actions = ["cancel_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        # The changelist applies list_select_related only to a queryset without
        # select_related, and bookings_with_stations already joins the train.
        return bookings_with_stations(bookings=super().get_queryset(request)).select_related(
            *self.list_select_related
        )

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

    @admin.display(description="segment")
    def segment(self, booking: Booking) -> str:
        return f"{booking.source_name} → {booking.destination_name}"

    @admin.display(description="seats")
    def seats(self, booking: Booking) -> str:
        return ", ".join(str(seat) for seat in booking.seat_numbers)

    @admin.action(description="Cancel selected bookings", permissions=["cancel"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        cancelled, already_cancelled = bookings_cancel(
            booking_ids=list(queryset.values_list("pk", flat=True)), actor=request.user
        )
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
