"""Admin for the network's stations, and the pieces of the train admin that need no bookings.

Only superusers change the network, as only they may add trains through the API. The train
admin itself lives in the bookings app (train_admin.py), since changing a train that may be
on sale is a matter of its bookings (network_changes.py there).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from railway.errors import Invalid
from trains.coach_plans import CoachPlan
from trains.fares import FarePlan
from trains.models import Coach, Fare, ServiceException, Station, Train
from trains.selectors import stations_with_code
from trains.services import (
    coaches_resized,
    coaches_total_check,
    fares_check,
    station_code_free,
    station_words_write,
    train_coach_plans,
    train_fare_plans,
)


class SuperuserWritesMixin:
    """Let staff look (with the view permission), and only superusers add, change or delete."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser


class StationAdminForm(forms.ModelForm):
    code = forms.CharField(
        required=False,
        max_length=Station.CODE_MAX_LENGTH,
        help_text="What passengers and apps pass for this station; left blank, one is made from the name.",
    )

    class Meta:
        model = Station
        fields = ["code", "name", "time_zone"]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        clash = stations_with_code(code=code).exclude(pk=self.instance.pk).first()
        if code and clash is not None:
            raise ValidationError(f"Station '{clash.name}' already has this code (codes ignore case).")
        return code

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


@admin.register(Station)
class StationAdmin(SuperuserWritesMixin, admin.ModelAdmin):
    """Stations by name and code; names may repeat, codes may not."""

    form = StationAdminForm
    list_display = ["name", "code", "time_zone"]
    search_fields = ["name", "=code"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Station, form: forms.ModelForm, change: bool) -> None:
        if not obj.code:
            obj.code = station_code_free(name=obj.name)
        super().save_model(request, obj, form, change)
        station_words_write(station=obj)


class ServiceExceptionInline(SuperuserWritesMixin, admin.TabularInline):
    model = ServiceException
    fields = ["date", "runs"]
    extra = 0
    verbose_name = "date outside the weekly pattern"
    verbose_name_plural = "dates outside the weekly pattern"


def _kept_forms(formset: BaseInlineFormSet) -> list[forms.Form]:
    return [form for form in formset.forms if form.cleaned_data and not formset._should_delete_form(form)]


class CoachInlineForm(forms.ModelForm):
    class Meta:
        model = Coach
        fields = ["coach", "travel_class", "seats", "layout"]

    def clean_coach(self) -> str:
        return self.cleaned_data["coach"].strip().upper()

    def clean_travel_class(self) -> str:
        return self.cleaned_data["travel_class"].strip().upper()

    def validate_unique(self) -> None:
        # Codes are checked across the whole train by the formset, and positions are given on saving.
        pass


class CoachFormSet(BaseInlineFormSet):
    """The train's coaches in the order listed, holding exactly its seats (trains.services).

    `coaches` is what the page asks for: None when it leaves them as they are, so that a train
    with the default GEN coaches has them resized with its seats. `plans` is what the train
    will have, for the fares to be checked against.
    """

    coaches: list[CoachPlan] | None = None
    plans: list[CoachPlan] | None = None

    def validate_unique(self) -> None:
        # coaches_total_check checks the codes, ignoring case.
        pass

    def clean(self) -> None:
        super().clean()
        total_seats = self.instance.total_seats
        if any(self.errors) or total_seats is None:
            return
        self.coaches = None
        if self.instance.pk is None or self.has_changed():
            self.coaches = [
                CoachPlan(
                    coach=form.cleaned_data["coach"],
                    travel_class=form.cleaned_data["travel_class"],
                    seats=form.cleaned_data["seats"],
                    layout=form.cleaned_data["layout"],
                )
                for form in _kept_forms(self)
            ] or None
        try:
            if self.coaches is None:
                current = train_coach_plans(train=self.instance) if self.instance.pk else []
                self.plans = coaches_resized(coaches=current, total_seats=total_seats)
            else:
                self.plans = coaches_total_check(coaches=self.coaches, total_seats=total_seats)
        except Invalid as error:
            raise ValidationError(error.detail) from None


class CoachInline(SuperuserWritesMixin, admin.TabularInline):
    """A train's coaches; with none listed, a new train has its seats in GEN coaches of up to 200."""

    model = Coach
    form = CoachInlineForm
    formset = CoachFormSet
    fields = ["coach", "travel_class", "seats", "layout"]
    ordering = ["position"]
    extra = 0
    max_num = Train.MAX_COACHES


class FareInlineForm(forms.ModelForm):
    class Meta:
        model = Fare
        fields = ["travel_class", "per_km", "minimum"]

    def clean_travel_class(self) -> str:
        return self.cleaned_data["travel_class"].strip().upper()

    def validate_unique(self) -> None:
        # fares_check checks each class has one fare.
        pass


class FareFormSet(BaseInlineFormSet):
    """The train's fares, each for a class one of its coaches has (trains.services.fares_check).

    `coach_formset` is the same page's coaches, which the fares are checked against; `fares`
    what the page asks for, None when it leaves them as they are.
    """

    coach_formset: CoachFormSet | None = None
    fares: list[FarePlan] | None = None

    def validate_unique(self) -> None:
        pass

    def clean(self) -> None:
        super().clean()
        coaches = self.coach_formset
        if any(self.errors) or coaches is None or not coaches.is_valid() or coaches.plans is None:
            return
        self.fares = None
        if self.instance.pk is None or self.has_changed():
            self.fares = [
                FarePlan(
                    travel_class=form.cleaned_data["travel_class"],
                    per_km=form.cleaned_data["per_km"],
                    minimum=form.cleaned_data["minimum"],
                )
                for form in _kept_forms(self)
            ]
        stored = train_fare_plans(train=self.instance) if self.instance.pk else []
        try:
            fares_check(fares=stored if self.fares is None else self.fares, coaches=coaches.plans)
        except Invalid as error:
            raise ValidationError(error.detail) from None


class FareInline(SuperuserWritesMixin, admin.TabularInline):
    model = Fare
    form = FareInlineForm
    formset = FareFormSet
    fields = ["travel_class", "per_km", "minimum"]
    ordering = ["travel_class"]
    extra = 0
